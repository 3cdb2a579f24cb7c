"""User authentication: Supabase HS256 tokens, JWKS-signed tokens, first sign-in."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import func, select

from agentops.extensions import db
from agentops.orgs.models import Org, OrgMember
from agentops.projects.models import Project
from agentops.users.models import User
from tests.support.tokens import TEST_SECRET

ME = "/opsboard/users/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def claims(**extra):
    now = int(time.time())
    base = {
        "sub": str(uuid.uuid4()),
        "aud": "authenticated",
        "iat": now,
        "exp": now + 600,
        "email": "key@example.com",
    }
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "Missing"),
        ({"Authorization": "Token abc"}, "Missing"),
        ({"Authorization": "Bearer"}, ""),
        ({"Authorization": "Bearer not.a.jwt"}, "Invalid token"),
        ({"Authorization": "Bearer abc"}, "Invalid token"),
    ],
)
def test_missing_or_garbled_credentials_are_401(client, headers, fragment):
    response = client.get(ME, headers=headers)

    assert response.status_code == 401
    assert response.json["code"] == 401
    assert fragment in response.json["message"]


def test_expired_token_is_401(client):
    token = jwt.encode(claims(exp=int(time.time()) - 10), TEST_SECRET, "HS256")

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401
    assert response.json["message"] == "Token has expired"


def test_unsigned_token_is_401(client):
    token = jwt.encode(claims(), key=None, algorithm="none")

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401
    assert "none" in response.json["message"]


def test_token_signed_with_another_secret_is_401(client):
    token = jwt.encode(claims(), "another-secret-of-enough-length-0123456789", "HS256")

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401
    assert "Signature" in response.json["message"]


def test_token_for_another_audience_is_401(client):
    token = jwt.encode(claims(aud="someone-else"), TEST_SECRET, "HS256")

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401
    assert "Audience" in response.json["message"]


def test_token_without_sub_is_401(client, app):
    token = jwt.encode(claims(sub=None), TEST_SECRET, "HS256")

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401
    assert "sub" in response.json["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("sub", ["not-a-uuid", "", "12345"])
def test_token_with_non_uuid_sub_is_401(client, sub):
    token = jwt.encode(claims(sub=sub), TEST_SECRET, "HS256")

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401


def test_asymmetric_token_without_jwks_is_401(client):
    key = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(claims(), key, "ES256")

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401
    assert "JWKS" in response.json["message"]


def public_jwks(*keys_with_ids):
    entries = []
    for key, kid, alg in keys_with_ids:
        entry = json.loads(
            jwt.algorithms.get_default_algorithms()[alg].to_jwk(key.public_key())
        )
        entry.update(kid=kid, alg=alg, use="sig")
        entries.append(entry)
    return {"keys": entries}


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_asymmetric_token_checked_against_a_jwks_file(make_app, tmp_path, alg):
    key = (
        ec.generate_private_key(ec.SECP256R1())
        if alg == "ES256"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(public_jwks((key, "k1", alg))))
    client = make_app(JWT_JWKS_FILE=str(jwks_file)).test_client()
    good = jwt.encode(claims(), key, alg, headers={"kid": "k1"})
    other = (
        ec.generate_private_key(ec.SECP256R1())
        if alg == "ES256"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    forged = jwt.encode(claims(), other, alg, headers={"kid": "k1"})
    unknown_kid = jwt.encode(claims(), key, alg, headers={"kid": "nope"})

    assert client.get(ME, headers=bearer(good)).status_code == 200
    assert client.get(ME, headers=bearer(forged)).status_code == 401
    assert client.get(ME, headers=bearer(unknown_kid)).status_code == 401


def test_hs256_token_signed_with_the_public_key_is_refused(make_app, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwks = public_jwks((key, "k1", "RS256"))
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(jwks))
    client = make_app(JWT_JWKS_FILE=str(jwks_file)).test_client()
    confused = hs256_by_hand(claims(), json.dumps(jwks["keys"][0]).encode())

    assert client.get(ME, headers=bearer(confused)).status_code == 401


def hs256_by_hand(payload: dict, secret: bytes) -> str:
    """Sign with any bytes as the HMAC secret, as an attacker would."""

    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = part(json.dumps(payload).encode())
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{part(signature)}"


@pytest.fixture
def jwks_server():
    """Serve a JWKS document over HTTP on loopback."""
    document = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            body = json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield document, f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()


def test_es256_token_checked_against_a_jwks_url(make_app, jwks_server):
    document, url = jwks_server
    key = ec.generate_private_key(ec.SECP256R1())
    document.update(public_jwks((key, "url-key", "ES256")))
    client = make_app(JWT_JWKS_URL=url).test_client()
    token = jwt.encode(claims(), key, "ES256", headers={"kid": "url-key"})
    unknown = jwt.encode(claims(), key, "ES256", headers={"kid": "missing"})

    assert client.get(ME, headers=bearer(token)).status_code == 200
    assert client.get(ME, headers=bearer(unknown)).status_code == 401


def test_first_sign_in_provisions_user_org_and_project(client, app, tokens):
    user = tokens.user(email="Ada@Example.com", full_name="Ada Lovelace")

    response = client.get(ME, headers=user.headers)

    assert response.status_code == 200
    assert response.json["id"] == user.id
    assert response.json["email"] == "ada@example.com"
    assert response.json["full_name"] == "Ada Lovelace"
    with app.app_context():
        member = db.session.scalars(
            select(OrgMember).where(OrgMember.user_id == uuid.UUID(user.id))
        ).one()
        assert member.role == "owner"
        assert member.org.name == "Ada Lovelace's org"
        project = db.session.scalars(
            select(Project).where(Project.org_id == member.org_id)
        ).one()
        assert (project.name, project.environment) == ("Default Project", "development")


def test_first_sign_in_without_a_name_gets_a_default_org(client, app, tokens):
    user = tokens.user(full_name=None)

    client.get(ME, headers=user.headers)

    with app.app_context():
        names = db.session.scalars(select(Org.name)).all()
    assert names == ["Default Organization"]


def test_first_sign_in_joins_the_demo_org(make_app, tokens):
    app = make_app()
    with app.app_context():
        demo = Org(name="Demo")
        db.session.add(demo)
        db.session.commit()
        demo_id = str(demo.id)
    client = make_app(DEMO_ORG_ID=demo_id).test_client()
    user = tokens.user()

    client.get(ME, headers=user.headers)

    with app.app_context():
        role = db.session.scalar(
            select(OrgMember.role).where(
                OrgMember.org_id == uuid.UUID(demo_id),
                OrgMember.user_id == uuid.UUID(user.id),
            )
        )
    assert role == "business_user"


def test_concurrent_first_requests_create_one_user_and_one_org(app, tokens):
    user = tokens.user()
    barrier = threading.Barrier(6)
    statuses = []

    def first_request():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.get(ME, headers=user.headers).status_code)

    threads = [threading.Thread(target=first_request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 6
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
        assert db.session.scalar(select(func.count()).select_from(Org)) == 1
        assert db.session.scalar(select(func.count()).select_from(Project)) == 1


@pytest.mark.parametrize(
    "full_name",
    ["x" * 300, "y" * 199, "a\x00b", "\ud800", "  padded  "],
    ids=["too-long", "long-org-name", "nul", "lone-surrogate", "padded"],
)
def test_first_sign_in_stores_any_name_the_token_carries(
    client, app, tokens, full_name
):
    user = tokens.user(full_name=full_name)

    response = client.get(ME, headers=user.headers)

    assert response.status_code == 200
    stored = response.json["full_name"]
    assert stored is None or (len(stored) <= 200 and "\x00" not in stored)
    with app.app_context():
        org = db.session.scalars(select(Org)).one()
    assert 0 < len(org.name) <= 200
    assert client.get("/opsboard/orgs", headers=user.headers).status_code == 200


@pytest.mark.parametrize(
    "email", ["d" * 400 + "@example.com", "c\x00@example.com", "\ud800@example.com"]
)
def test_a_token_whose_email_cannot_be_stored_is_401(client, app, tokens, email):
    token = tokens.token(email=email)

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 401
    assert "email" in response.json["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
