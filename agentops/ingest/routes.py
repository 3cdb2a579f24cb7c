"""OTLP ingestion and SDK project tokens."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from agentops.extensions import api
from agentops.ingest import service, tokens
from agentops.ingest.schemas import AuthTokenRequestSchema, AuthTokenSchema
from agentops.ratelimits import auth_token_limit, ingest_limit

blp = Blueprint("ingest", __name__, url_prefix="", description="Ingestion")

API_KEY_SCHEME = "projectApiKey"


@blp.record_once
def document_api_key_header(state: Any) -> None:
    """Declare the raw-key header as a security scheme of the OpenAPI document."""
    components = api.spec.components
    if API_KEY_SCHEME not in components.security_schemes:
        components.security_scheme(
            API_KEY_SCHEME,
            {"type": "apiKey", "in": "header", "name": "X-Agentops-Api-Key"},
        )


@blp.route("/v3/auth/token")
class AuthToken(MethodView):
    """Project tokens."""

    decorators = [auth_token_limit]

    @blp.arguments(AuthTokenRequestSchema)
    @blp.response(200, AuthTokenSchema)
    @blp.doc(security=[])
    def post(self, body: dict[str, Any]) -> dict[str, str]:
        """Trade a project's API key for a project token (30 days)."""
        minted = tokens.mint(body.get("api_key"), current_app.extensions["settings"])
        return {
            "token": minted.token,
            "project_id": str(minted.project.id),
            "project_prem_status": minted.project.org.prem_status,
        }


@blp.route("/v1/traces")
class Traces(MethodView):
    """OTLP/HTTP trace export."""

    decorators = [ingest_limit]

    @blp.doc(
        security=[{"bearerAuth": []}, {API_KEY_SCHEME: []}],
        requestBody={
            "content": {
                "application/x-protobuf": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            }
        },
        responses={"200": {"description": "an OTLP ExportTraceServiceResponse"}},
    )
    def post(self) -> Response:
        """Store an OTLP trace export (protobuf or JSON, optionally gzip)."""
        settings = current_app.extensions["settings"]
        project = tokens.project_for_headers(
            request.headers.get("Authorization"),
            request.headers.get("X-Agentops-Api-Key"),
            settings,
        )
        body = service.read_body(
            request.stream, request.content_length, settings.INGEST_MAX_BYTES
        )
        batch = service.ingest(
            body,
            request.content_type,
            request.headers.get("Content-Encoding"),
            project,
            settings,
        )
        answer_type = service.response_type(request.content_type)
        return Response(
            service.export_response(batch, answer_type), mimetype=answer_type
        )
