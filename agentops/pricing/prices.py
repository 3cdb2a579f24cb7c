"""Per-token rates of a model: an org's own price, else genai-prices."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from functools import lru_cache

from genai_prices import Usage, calc_price

from agentops.pricing.usage import Rates

logger = logging.getLogger(__name__)

# Token counts used to read a model's rates; small enough to stay in the base
# tier of models whose price rises with the prompt length.
# TODO: calls past a model's long-context threshold are priced at the base
# tier, and per-request fees are left out, because the rates are per token so
# that ClickHouse can sum them; such calls come out cheaper than billed.
PROBE_TOKENS = 1000
# Provider names instrumentations use, as genai-prices names them.
PROVIDER_ALIASES = {
    "google-gla": "google",
    "google-vertex": "google",
    "gemini": "google",
    "vertex_ai": "google",
    "az.ai.openai": "azure",
    "azure.ai.openai": "azure",
    "aws.bedrock": "aws",
    "bedrock": "aws",
}


def provider_id(provider: str) -> str | None:
    """The genai-prices provider id for a span's provider name, if any."""
    name = provider.strip().lower()
    if not name:
        return None
    if name in PROVIDER_ALIASES:
        return PROVIDER_ALIASES[name]
    # `openai.chat`, `openai.responses`: the provider comes first.
    return name.split(".")[0]


@lru_cache(maxsize=4096)
def library_rates(model: str, provider: str, day: date) -> Rates | None:
    """Rates from genai-prices for a model on a day; None when unknown."""
    if not model:
        return None
    when = datetime.combine(day, time(12), tzinfo=UTC)
    for candidate in dict.fromkeys((provider_id(provider), None)):
        try:
            return probe(model, candidate, when)
        except (LookupError, ValueError, KeyError, TypeError) as error:
            logger.debug("no price for %s/%s: %s", model, candidate, error)
    return None


def probe(model: str, provider: str | None, when: datetime) -> Rates:
    """Read per-token rates by pricing a few small usages."""

    def price(**tokens: int) -> tuple[float, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = calc_price(
                Usage(**tokens),
                model,
                provider_id=provider,
                genai_request_timestamp=when,
            )
        return float(result.input_price), float(result.output_price)

    n = PROBE_TOKENS
    return Rates(
        input=price(input_tokens=n)[0] / n,
        output=price(output_tokens=n)[1] / n,
        cache_read=price(input_tokens=n, cache_read_tokens=n)[0] / n,
        cache_write=price(input_tokens=n, cache_write_tokens=n)[0] / n,
    )


def override_for(model: str, overrides: Mapping[str, Rates]) -> Rates | None:
    """An org's price for the model, by exact name or as a dated variant."""
    name = model.strip().lower()
    if name in overrides:
        return overrides[name]
    prefixes = [key for key in overrides if name.startswith(key + "-")]
    return overrides[max(prefixes, key=len)] if prefixes else None


def rates_for(
    model: str, provider: str, day: date, overrides: Mapping[str, Rates]
) -> Rates | None:
    """The rates that price a call: the org's override wins."""
    return override_for(model, overrides) or library_rates(model, provider, day)
