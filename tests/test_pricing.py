"""Prices: genai-prices rates, an org's own prices and `flask prices`."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price

from agentops.extensions import db
from agentops.pricing.prices import library_rates, provider_id, rates_for
from agentops.pricing.usage import Rates, span_cost, span_usage
from agentops.projects.models import Project
from tests.conftest import SPANS_DIR
from tests.support.span_store import load, member_project, store_spans

OTLP = SPANS_DIR / "otlp"
DAY = date(2026, 9, 7)
CALL = {
    "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
    "gen_ai.provider.name": "openai",
    "gen_ai.usage.input_tokens": "412",
    "gen_ai.usage.cache_read.input_tokens": "256",
    "gen_ai.usage.output_tokens": "27",
}


def test_cached_input_priced_at_its_own_rate():
    rates = library_rates("gpt-4o-mini-2024-07-18", "openai", DAY)

    cost = span_cost(span_usage(CALL), rates)

    assert rates == Rates(
        input=pytest.approx(1.5e-7),
        output=pytest.approx(6e-7),
        cache_read=pytest.approx(7.5e-8),
        cache_write=pytest.approx(1.5e-7),
    )
    assert cost.total_cost == pytest.approx(
        (412 - 256) * 1.5e-7 + 256 * 7.5e-8 + 27 * 6e-7, rel=1e-12
    )
    library = calc_price(
        Usage(input_tokens=412, cache_read_tokens=256, output_tokens=27),
        "gpt-4o-mini-2024-07-18",
        provider_id="openai",
    )
    assert cost.total_cost == pytest.approx(float(library.total_price), rel=1e-12)


def test_unknown_model_has_no_price():
    usage = span_usage({**CALL, "gen_ai.response.model": "house-model-x"})

    assert library_rates("house-model-x", "openai", DAY) is None
    assert span_cost(usage, None).total_cost is None
    assert library_rates("", "openai", DAY) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("openai.chat", "openai"),
        ("openai.responses", "openai"),
        ("google-gla", "google"),
        ("OpenAI", "openai"),
        ("", None),
    ],
)
def test_provider_names(name, expected):
    assert provider_id(name) == expected


def test_override_wins_and_covers_dated_variants():
    own = {"gpt-4o-mini": Rates(1e-6, 2e-6, 1e-6, 1e-6)}

    assert rates_for("gpt-4o-mini-2024-07-18", "openai", DAY, own) == own["gpt-4o-mini"]
    assert rates_for("GPT-4O-MINI", "openai", DAY, own) == own["gpt-4o-mini"]
    assert rates_for("gpt-4o", "openai", DAY, own) != own["gpt-4o-mini"]


def org_of(app, project_id):
    """The org id of a project."""
    with app.app_context():
        return str(db.session.get(Project, uuid.UUID(project_id)).org_id)


def trace_costs(client, headers, project_id):
    """Each trace's cost by root span name."""
    listed = client.get(
        "/v4/traces/", query_string={"project_id": project_id}, headers=headers
    ).json
    return {t["root_span_name"]: t["total_cost"] for t in listed["traces"]}


def test_org_price_set_with_the_cli(app, client, tokens):
    user = tokens.user()
    project_id = member_project(app, client, user)
    org_id = org_of(app, project_id)
    for name in (
        "openllmetry-0.62.3_openai_tool_call",
        "litellm_openai_tool_call_with_cost",
    ):
        store_spans(app, project_id, load(OTLP / f"{name}.otlp.json"))
    runner = app.test_cli_runner()

    result = runner.invoke(
        args=[
            "prices",
            "set",
            "GPT-4o-mini",
            "--org",
            org_id,
            "--input",
            "1",
            "--output",
            "2",
            "--cache-read",
            "0.5",
        ]
    )
    listed = runner.invoke(args=["prices", "list", "--org", org_id])
    shown = runner.invoke(args=["prices", "show", "gpt-4o-mini", "--org", org_id])
    costs = trace_costs(client, user.headers, project_id)

    assert result.exit_code == 0, result.output
    assert "gpt-4o-mini\t1\t2\t0.5\t-" in listed.output
    assert "input 1, output 2, cache read 0.5, cache write 1" in shown.output
    assert costs["support_triage.workflow"] == pytest.approx(
        156 * 1e-6 + 256 * 0.5e-6 + 27 * 2e-6, rel=1e-9
    )
    # LiteLLM's own reported cost still wins over any price.
    assert costs["litellm_request"] == pytest.approx(5.88e-5, rel=1e-12)
    with app.app_context():
        from agentops.pricing.service import list_for_org

        (price,) = list_for_org(uuid.UUID(org_id))
        assert price.input_per_token == Decimal("0.000001")

    removed = runner.invoke(args=["prices", "delete", "gpt-4o-mini", "--org", org_id])

    assert removed.exit_code == 0, removed.output
    assert trace_costs(client, user.headers, project_id)[
        "support_triage.workflow"
    ] == pytest.approx(5.88e-5, rel=1e-9)


@pytest.mark.parametrize(
    "arguments",
    [
        ["prices", "set", "m", "--org", "not-a-uuid", "--input", "1", "--output", "1"],
        [
            "prices",
            "set",
            "m",
            "--org",
            str(uuid.uuid4()),
            "--input",
            "1",
            "--output",
            "1",
        ],
        ["prices", "delete", "m", "--org", str(uuid.uuid4())],
        ["prices", "show", "house-model-x"],
    ],
)
def test_cli_refuses_clearly(app, arguments):
    result = app.test_cli_runner().invoke(args=arguments)

    assert result.exit_code != 0
    assert "Error" in result.output


def test_cli_refuses_bad_numbers(app, client, tokens):
    user = tokens.user()
    org_id = org_of(app, member_project(app, client, user))

    for value in ("abc", "-1", "nan"):
        result = app.test_cli_runner().invoke(
            args=[
                "prices",
                "set",
                "m",
                "--org",
                org_id,
                "--input",
                value,
                "--output",
                "1",
            ]
        )
        assert result.exit_code != 0
        assert "--input" in result.output


@pytest.mark.parametrize(
    ("model", "value", "fragment"),
    [
        ("m", "1e30", "--input"),
        ("m", "1000000.01", "--input"),
        ("gpt\x00x", "1", "MODEL"),
        ("m" * 201, "1", "MODEL"),
        ("   ", "1", "MODEL"),
    ],
    ids=["huge", "over-the-ceiling", "nul", "too-long", "blank"],
)
def test_cli_refuses_what_cannot_be_stored(app, client, tokens, model, value, fragment):
    user = tokens.user()
    org_id = org_of(app, member_project(app, client, user))
    runner = app.test_cli_runner()

    result = runner.invoke(
        args=[
            "prices",
            "set",
            model,
            "--org",
            org_id,
            "--input",
            value,
            "--output",
            "1",
        ]
    )

    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    listed = runner.invoke(args=["prices", "list", "--org", org_id])
    assert listed.output.strip().splitlines()[1:] == []


def test_cli_accepts_the_highest_price(app, client, tokens):
    user = tokens.user()
    org_id = org_of(app, member_project(app, client, user))
    runner = app.test_cli_runner()

    result = runner.invoke(
        args=[
            "prices",
            "set",
            "m",
            "--org",
            org_id,
            "--input",
            "1000000",
            "--output",
            "0",
        ]
    )

    assert result.exit_code == 0, result.output
    assert (
        "1000000\t0" in runner.invoke(args=["prices", "list", "--org", org_id]).output
    )
