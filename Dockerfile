FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FLASK_APP=wsgi
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
RUN useradd --create-home --uid 10001 agentops && mkdir -p instance && chown -R agentops /app
USER agentops

EXPOSE 8000
ENV GUNICORN_BIND=0.0.0.0:8000
CMD ["sh", "-c", "flask db upgrade && flask clickhouse migrate && exec gunicorn -c gunicorn.conf.py wsgi:app"]
