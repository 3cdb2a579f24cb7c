"""The signed-in user's own profile."""

import pytest

ME = "/opsboard/users/me"


def test_me_shows_the_caller(client, tokens):
    user = tokens.user(email="grace@example.com", full_name="Grace Hopper")

    response = client.get(ME, headers=user.headers)

    assert response.status_code == 200
    assert response.json == {
        "id": user.id,
        "email": "grace@example.com",
        "full_name": "Grace Hopper",
        "avatar_url": None,
        "billing_address": None,
        "payment_method": None,
        "survey_is_complete": False,
    }


def test_update_me_changes_only_given_fields(client, tokens):
    user = tokens.user()
    changes = {
        "full_name": "Ada King",
        "avatar_url": "https://example.com/ada.png",
        "billing_address": {"line1": "1 St James's Square", "country": "GB"},
        "payment_method": {"brand": "visa", "last4": "4242"},
    }

    updated = client.put(ME, headers=user.headers, json=changes)
    again = client.put(ME, headers=user.headers, json={"full_name": "Ada"})

    assert updated.status_code == 200
    assert {k: updated.json[k] for k in changes} == changes
    assert again.json["avatar_url"] == "https://example.com/ada.png"
    assert client.get(ME, headers=user.headers).json["full_name"] == "Ada"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "x@example.com"}, "email"),
        ({"id": "00000000-0000-0000-0000-000000000000"}, "id"),
        ({"survey_is_complete": True}, "survey_is_complete"),
        ({"unknown": 1}, "unknown"),
        ({"full_name": 5}, "full_name"),
        ({"full_name": "x" * 201}, "full_name"),
        ({"avatar_url": "not a url"}, "avatar_url"),
        ({"billing_address": "a string"}, "billing_address"),
    ],
)
def test_update_me_rejects_bad_fields_with_422(client, tokens, body, field):
    user = tokens.user()
    before = client.get(ME, headers=user.headers).json

    response = client.put(ME, headers=user.headers, json=body)

    assert response.status_code == 422
    assert field in response.json["errors"]
    assert field in response.json["message"]
    assert client.get(ME, headers=user.headers).json == before


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "null", "42"])
def test_update_me_rejects_non_object_bodies(client, tokens, body):
    user = tokens.user()

    response = client.put(
        ME, headers=user.headers, data=body, content_type="application/json"
    )

    assert response.status_code in (400, 422)
    assert response.json["code"] == response.status_code


def test_survey_complete_sets_the_flag(client, tokens):
    user = tokens.user()

    response = client.put(f"{ME}/survey-complete", headers=user.headers)

    assert response.status_code == 200
    assert response.json["success"] is True
    assert client.get(ME, headers=user.headers).json["survey_is_complete"] is True


@pytest.mark.parametrize("depth", [33, 900, 5_000])
def test_update_me_refuses_deeply_nested_json_and_keeps_the_profile(
    client, tokens, depth
):
    user = tokens.user()
    kept = {"line1": "1 Main St", "city": "Springfield"}
    client.put(ME, headers=user.headers, json={"billing_address": kept})
    body = '{"billing_address": ' + '{"a": ' * depth + "1" + "}" * depth + "}"

    response = client.put(
        ME, headers=user.headers, data=body, content_type="application/json"
    )

    assert response.status_code == 422
    assert "nest more than 32 levels" in response.json["errors"]["json"][0]
    assert client.get(ME, headers=user.headers).json["billing_address"] == kept


def test_json_nested_to_the_limit_reaches_field_validation(client, tokens):
    user = tokens.user()
    value = 1
    for _ in range(31):
        value = {"a": value}

    response = client.put(ME, headers=user.headers, json={"billing_address": value})

    assert response.status_code == 422
    assert "billing_address" in response.json["errors"]
    assert "nest" not in response.get_data(as_text=True)
