"""What a span cost: its model, provider, tokens and price, decided in one place.

Instrumentations record an LLM call's usage under different attribute names. The
rules below list, per field, the attribute keys in the order they are trusted;
the first key with a value wins, so a span carrying two conventions (OTel GenAI
and the Vercel AI SDK, say) is read once rather than summed. A span with another
LLM call below it (up to WRAPPER_DEPTH levels down) is a wrapper repeating that
call's usage and does not count. A cost the span reports wins over a computed
one; otherwise the tokens are priced per token kind (cached input at its own
price, reasoning inside the output). The same rules are rendered as ClickHouse
expressions, so aggregates are computed where the spans live and agree with the
per-span answer.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

logger = logging.getLogger(__name__)

MODEL_KEYS = (
    "gen_ai.response.model",
    "gen_ai.request.model",
    "llm.model_name",
    "ai.response.model",
    "ai.model.id",
    "litellm.provider.model",
)
PROVIDER_KEYS = (
    "gen_ai.provider.name",
    "gen_ai.system",
    "llm.provider",
    "llm.system",
    "ai.model.provider",
)
# A rule is an attribute key, or a key holding JSON plus the path to a value in it.
Rule = str | tuple[str, ...]
# OpenInference keeps the provider's raw answer in `output.value`; its `usage`
# is the last place looked at.
RESPONSE = "output.value"
TOKEN_KEYS: dict[str, tuple[Rule, ...]] = {
    "prompt_tokens": (
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.prompt_tokens",
        "llm.token_count.prompt",
        "ai.usage.promptTokens",
        "ai.usage.inputTokens",
        (RESPONSE, "usage", "prompt_tokens"),
        (RESPONSE, "usage", "input_tokens"),
    ),
    "completion_tokens": (
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.completion_tokens",
        "llm.token_count.completion",
        "ai.usage.completionTokens",
        "ai.usage.outputTokens",
        (RESPONSE, "usage", "completion_tokens"),
        (RESPONSE, "usage", "output_tokens"),
    ),
    "cache_read_tokens": (
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_read_input_tokens",
        "llm.token_count.prompt_details.cache_read",
        "ai.usage.cachedInputTokens",
        (RESPONSE, "usage", "prompt_tokens_details", "cached_tokens"),
        (RESPONSE, "usage", "input_tokens_details", "cached_tokens"),
    ),
    "cache_write_tokens": (
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.usage.cache_creation_input_tokens",
        "llm.token_count.prompt_details.cache_write",
    ),
    "reasoning_tokens": (
        "gen_ai.usage.reasoning_tokens",
        "gen_ai.usage.reasoning.output_tokens",
        "gen_ai.usage.details.thoughts_tokens",
        "llm.token_count.completion_details.reasoning",
        "ai.usage.reasoningTokens",
        (RESPONSE, "usage", "completion_tokens_details", "reasoning_tokens"),
        (RESPONSE, "usage", "output_tokens_details", "reasoning_tokens"),
    ),
    "total_tokens": (
        "gen_ai.usage.total_tokens",
        "llm.token_count.total",
        "ai.usage.totalTokens",
        (RESPONSE, "usage", "total_tokens"),
    ),
}
TOKEN_FIELDS = tuple(TOKEN_KEYS)
# Costs the span reports itself, in USD.
COST_KEYS: dict[str, tuple[str, ...]] = {
    "prompt_cost": ("gen_ai.cost.input_cost", "llm.cost.prompt"),
    "completion_cost": ("gen_ai.cost.output_cost", "llm.cost.completion"),
    "total_cost": (
        "gen_ai.cost.total_cost",
        "gen_ai.usage.cost",
        "operation.cost",
        "llm.cost.total",
    ),
}
COST_FIELDS = tuple(COST_KEYS)
# How far below a call another call makes it a wrapper.
WRAPPER_DEPTH = 6
# Separates model, provider and day in a price key.
KEY_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class Rates:
    """A model's price in USD per token of each kind."""

    input: float
    output: float
    cache_read: float
    cache_write: float


@dataclass
class SpanUsage:
    """The usage one span records, before deciding whether it counts."""

    model: str = ""
    provider: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0
    reported_prompt_cost: float | None = None
    reported_completion_cost: float | None = None
    reported_total_cost: float | None = None

    @property
    def is_call(self) -> bool:
        """Whether the span records an LLM call's usage or cost."""
        return self.total_tokens > 0 or self.reported_total_cost is not None


@dataclass
class SpanCost:
    """A counted call's cost split; None where it cannot be known."""

    prompt_cost: float | None
    completion_cost: float | None
    total_cost: float | None


def rule_value(attributes: Mapping[str, str], rule: Rule) -> str:
    """The text a rule points at: an attribute, or a value inside its JSON."""
    if isinstance(rule, str):
        value = attributes.get(rule)
        return "" if value is None else str(value)
    key, *path = rule
    raw = attributes.get(key)
    if not raw:
        return ""
    try:
        node = json.loads(raw)
    except ValueError:
        return ""
    for step in path:
        if not isinstance(node, dict) or step not in node:
            return ""
        node = node[step]
    if not isinstance(node, int | float) or isinstance(node, bool):
        return ""
    return str(node)


def first_value(attributes: Mapping[str, str], rules: Iterable[Rule]) -> str:
    """The first non-empty value among `rules`."""
    for rule in rules:
        value = rule_value(attributes, rule)
        if value != "":
            return value
    return ""


def as_tokens(raw: str) -> int:
    """A token count from its stored text; anything unreadable is 0."""
    try:
        number = float(raw)
    except ValueError:
        return 0
    return int(number) if number == number and 0 < number < 9e15 else 0


def as_cost(raw: str) -> float | None:
    """A reported cost from its stored text, or None."""
    if raw == "":
        return None
    try:
        number = float(raw)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def span_usage(attributes: Mapping[str, str]) -> SpanUsage:
    """Read one span's model, provider, tokens and reported costs."""
    usage = SpanUsage(
        model=first_value(attributes, MODEL_KEYS),
        provider=first_value(attributes, PROVIDER_KEYS),
    )
    for name, keys in TOKEN_KEYS.items():
        setattr(usage, name, as_tokens(first_value(attributes, keys)))
    if usage.total_tokens == 0:
        usage.total_tokens = usage.prompt_tokens + usage.completion_tokens
    for name, keys in COST_KEYS.items():
        setattr(usage, f"reported_{name}", as_cost(first_value(attributes, keys)))
    if usage.reported_total_cost is None and (
        usage.reported_prompt_cost is not None
        or usage.reported_completion_cost is not None
    ):
        usage.reported_total_cost = (usage.reported_prompt_cost or 0.0) + (
            usage.reported_completion_cost or 0.0
        )
    return usage


def span_cost(usage: SpanUsage, rates: Rates | None) -> SpanCost:
    """Price a counted call: its reported cost wins, else tokens times rates."""
    if usage.reported_total_cost is not None:
        return SpanCost(
            usage.reported_prompt_cost,
            usage.reported_completion_cost,
            usage.reported_total_cost,
        )
    if rates is None:
        return SpanCost(None, None, None)
    uncached = max(
        usage.prompt_tokens - usage.cache_read_tokens - usage.cache_write_tokens, 0
    )
    prompt = (
        uncached * rates.input
        + usage.cache_read_tokens * rates.cache_read
        + usage.cache_write_tokens * rates.cache_write
    )
    completion = usage.completion_tokens * rates.output
    return SpanCost(prompt, completion, prompt + completion)


def counted_calls(
    spans: Iterable[tuple[str, str, SpanUsage]],
) -> set[str]:
    """Span ids of the calls that count: (span id, parent id, usage) in.

    A call with another call below it, up to WRAPPER_DEPTH levels down, is a
    wrapper repeating that call's usage.
    """
    spans = list(spans)
    parent_of = {span_id: parent for span_id, parent, _ in spans}
    wrappers: set[str] = set()
    for _, parent, usage in spans:
        if not usage.is_call:
            continue
        for _ in range(WRAPPER_DEPTH):
            if not parent:
                break
            wrappers.add(parent)
            parent = parent_of.get(parent, "")
    return {
        span_id
        for span_id, _, usage in spans
        if usage.is_call and span_id not in wrappers
    }


def sql_counted_calls(call_tuple: str) -> list[str]:
    """Per-trace aggregate items giving `calls`: the counted calls' tuples.

    `call_tuple` starts with SpanId; the rule is the one of `counted_calls`.
    """
    items = [
        "groupArray(SpanId) AS trace_span_ids",
        "groupArray(ParentSpanId) AS trace_parent_ids",
        "groupArrayIf(ParentSpanId, u_is_call) AS call_above_1",
    ]
    for level in range(2, WRAPPER_DEPTH + 1):
        items.append(
            "arrayMap(p -> if(p = '', '', "
            "trace_parent_ids[indexOf(trace_span_ids, p)]), "
            f"call_above_{level - 1}) AS call_above_{level}"
        )
    above = ", ".join(f"call_above_{level}" for level in range(1, WRAPPER_DEPTH + 1))
    items += [
        f"groupArrayIf({call_tuple}, u_is_call) AS all_calls",
        f"arrayConcat({above}) AS call_wrappers",
        "arrayFilter(c -> NOT has(call_wrappers, c.1), all_calls) AS calls",
    ]
    return items


def price_key(model: str, provider: str, day: str) -> str:
    """The key a model's rates are looked up by, in Python and in SQL."""
    return KEY_SEPARATOR.join((model, provider, day))


# ClickHouse renderings of the same rules.


def sql_rule(rule: Rule, attributes: str) -> str:
    """SQL for the text a rule points at, NULL when empty."""
    if isinstance(rule, str):
        return f"nullIf({attributes}['{rule}'], '')"
    key, *path = rule
    column = f"{attributes}['{key}']"
    steps = ", ".join(f"'{step}'" for step in path)
    # Only numbers count, as in `rule_value`.
    number = (
        f"if(JSONType({column}, {steps}) IN ('Int64', 'UInt64', 'Double'), "
        f"JSONExtractRaw({column}, {steps}), '')"
    )
    return f"nullIf(if({column} = '', '', {number}), '')"


def sql_first(keys: Iterable[Rule], attributes: str = "SpanAttributes") -> str:
    """SQL for the first non-empty value among `keys` ('' if none)."""
    parts = ", ".join(sql_rule(key, attributes) for key in keys)
    return f"coalesce({parts}, '')"


def sql_raw_columns(attributes: str = "SpanAttributes") -> list[str]:
    """First layer: the text each rule list picks, as r_* columns."""
    columns = [
        f"{sql_first(MODEL_KEYS, attributes)} AS u_model",
        f"{sql_first(PROVIDER_KEYS, attributes)} AS u_provider",
    ]
    columns += [
        f"{sql_first(keys, attributes)} AS r_{name}"
        for name, keys in TOKEN_KEYS.items()
    ]
    columns += [
        f"{sql_first(keys, attributes)} AS r_{name}" for name, keys in COST_KEYS.items()
    ]
    return columns


def sql_tokens(column: str) -> str:
    """SQL reading a token count from text, like `as_tokens`."""
    number = f"toFloat64OrZero({column})"
    return (
        f"toUInt64(if(isFinite({number}) AND {number} > 0 AND {number} < 9e15, "
        f"{number}, 0))"
    )


def sql_cost(column: str) -> str:
    """SQL reading a reported cost from text, like `as_cost` (NULL if absent)."""
    number = f"toFloat64OrNull({column})"
    return f"if(isFinite(ifNull({number}, -1)) AND {number} >= 0, {number}, NULL)"


def sql_usage_columns() -> list[str]:
    """Second layer, over `sql_raw_columns`: token counts and reported costs.

    Gives u_<token field>, u_rep_prompt_cost, u_rep_completion_cost,
    u_rep_total_cost and u_is_call.
    """
    columns = [
        f"{sql_tokens(f'r_{name}')} AS u_{name}"
        for name in TOKEN_FIELDS
        if name != "total_tokens"
    ]
    columns.append(
        f"if({sql_tokens('r_total_tokens')} > 0, {sql_tokens('r_total_tokens')}, "
        "u_prompt_tokens + u_completion_tokens) AS u_total_tokens"
    )
    columns += [
        f"{sql_cost('r_prompt_cost')} AS u_rep_prompt_cost",
        f"{sql_cost('r_completion_cost')} AS u_rep_completion_cost",
        f"if(isNull({sql_cost('r_total_cost')}) AND (isNotNull(u_rep_prompt_cost) "
        "OR isNotNull(u_rep_completion_cost)), ifNull(u_rep_prompt_cost, 0) + "
        f"ifNull(u_rep_completion_cost, 0), {sql_cost('r_total_cost')}) "
        "AS u_rep_total_cost",
        "(u_total_tokens > 0 OR isNotNull(u_rep_total_cost)) AS u_is_call",
    ]
    return columns


def sql_cost_columns(timestamp: str = "Timestamp") -> list[str]:
    """Per-span SELECT items pricing the u_* columns with bound rate arrays.

    Needs the parameters of `rate_parameters` and the columns of
    `sql_usage_columns`; gives u_prompt_cost, u_completion_cost, u_total_cost
    (NULL when unpriced) and u_priced.
    """
    key = (
        f"concat(u_model, '{KEY_SEPARATOR}', u_provider, '{KEY_SEPARATOR}', "
        f"toString(toDate({timestamp}, 'UTC')))"
    )
    computed_prompt = (
        "(greatest(toInt64(u_prompt_tokens) - toInt64(u_cache_read_tokens) "
        "- toInt64(u_cache_write_tokens), 0) * {rate_input:Array(Float64)}[u_rate] "
        "+ u_cache_read_tokens * {rate_cache_read:Array(Float64)}[u_rate] "
        "+ u_cache_write_tokens * {rate_cache_write:Array(Float64)}[u_rate])"
    )
    computed_completion = "(u_completion_tokens * {rate_output:Array(Float64)}[u_rate])"
    return [
        f"indexOf({{rate_keys:Array(String)}}, {key}) AS u_rate",
        "if(isNotNull(u_rep_total_cost), u_rep_prompt_cost, "
        f"if(u_rate > 0, {computed_prompt}, NULL)) AS u_prompt_cost",
        "if(isNotNull(u_rep_total_cost), u_rep_completion_cost, "
        f"if(u_rate > 0, {computed_completion}, NULL)) AS u_completion_cost",
        "if(isNotNull(u_rep_total_cost), u_rep_total_cost, "
        f"if(u_rate > 0, {computed_prompt} + {computed_completion}, NULL)) "
        "AS u_total_cost",
    ]


def rate_parameters(rates: Mapping[str, Rates | None]) -> dict[str, list]:
    """Bind the known rates (by `price_key`) for `sql_cost_columns`."""
    known = [(key, value) for key, value in rates.items() if value is not None]
    return {
        "rate_keys": [key for key, _ in known],
        "rate_input": [value.input for _, value in known],
        "rate_output": [value.output for _, value in known],
        "rate_cache_read": [value.cache_read for _, value in known],
        "rate_cache_write": [value.cache_write for _, value in known],
    }
