"""Routing decisions: which active rule, tried in order, matches a new conversation, and why.

Pure over the rules and the facts; the facts that cost a query (tags, segment membership,
business hours) are asked lazily, only of a rule whose cheaper conditions already hold, so a
decision over dozens of rules stays well under a millisecond."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mehvar.core.text import normalize_text
from mehvar.service_levels.models import BusinessHoursCondition, RoutingRule


@dataclass
class RoutingFacts:
    channel: str
    language: str
    text: str                                   # subject and first message, normalised
    tier: str
    intent: str = ""
    tags: Callable[[], frozenset[str]] = frozenset
    in_segments: Callable[[Sequence[int]], list[int]] = lambda ids: []
    is_open: Callable[[RoutingRule], bool] = lambda rule: True
    _cache: dict[str, Any] = field(default_factory=dict)

    def tag_set(self) -> frozenset[str]:
        if "tags" not in self._cache:
            self._cache["tags"] = self.tags()
        return self._cache["tags"]


@dataclass(frozen=True)
class RoutingDecision:
    rule: RoutingRule | None
    reasons: list[dict[str, Any]]

    def details(self) -> dict[str, Any]:
        """What the timeline keeps: the rule (its name at the time) and the conditions met."""
        if self.rule is None:
            return {}
        return {"rule_id": self.rule.pk, "rule_name": self.rule.name, "reasons": self.reasons}


def routing_text(subject: str, text: str) -> str:
    return normalize_text(f"{subject}\n{text[:4000]}")


@lru_cache(maxsize=4096)
def keyword_key(word: str) -> str:
    return normalize_text(word)


def decide(rules: Sequence[RoutingRule], facts: RoutingFacts) -> RoutingDecision:
    for rule in rules:
        reasons = _matches(rule, facts)
        if reasons is not None:
            return RoutingDecision(rule, reasons)
    return RoutingDecision(None, [])


def _matches(rule: RoutingRule, facts: RoutingFacts) -> list[dict[str, Any]] | None:
    """The conditions that held (each {"condition", "value"}), or None when one fails."""
    reasons: list[dict[str, Any]] = []
    for condition, wanted, actual in (("channel", rule.channels, facts.channel),
                                      ("language", rule.languages, facts.language),
                                      ("tier", rule.tiers, facts.tier),
                                      ("intent", rule.intents, facts.intent)):
        if wanted:
            if actual not in wanted:
                return None
            reasons.append({"condition": condition, "value": actual})
    if rule.keywords:
        found = next((word for word in rule.keywords if keyword_key(word) in facts.text), None)
        if found is None:
            return None
        reasons.append({"condition": "keyword", "value": found})
    if rule.tags:
        common = sorted(set(rule.tags) & facts.tag_set())
        if not common:
            return None
        reasons.append({"condition": "tag", "value": common[0]})
    if rule.segment_ids:
        members = facts.in_segments(rule.segment_ids)
        if not members:
            return None
        reasons.append({"condition": "segment", "value": members[0]})
    if rule.business_hours != BusinessHoursCondition.ANY:
        wanted_open = rule.business_hours == BusinessHoursCondition.OPEN
        if facts.is_open(rule) != wanted_open:
            return None
        reasons.append({"condition": "business_hours", "value": rule.business_hours})
    if not reasons:
        reasons.append({"condition": "always", "value": ""})
    return reasons
