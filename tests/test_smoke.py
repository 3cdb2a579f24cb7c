def test_health(client):
    assert client.get("/health").json == {"status": "ok"}


def test_me(client, tokens):
    user = tokens.user()
    response = client.get("/opsboard/users/me", headers=user.headers)
    assert response.status_code == 200, response.json
    assert response.json["email"] == user.email
