"""CDS Hooks 2.0.1 response models: cards, suggestions, actions, links, system actions.

Field names are exactly the spec's JSON names (the specification's index.md, l.524-816 at tag
v2.0.1 of HL7/cds-hooks, https://cds-hooks.hl7.org/2.0/). Absent optional fields are omitted
when serialised (``model_dump(exclude_none=True)``): the spec forbids ``null`` for absent values
(l.45-52).
Unknown ``extension`` members are accepted (l.1111-1156).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Indicator = Literal["info", "warning", "critical"]
SelectionBehavior = Literal["at-most-one", "any"]
ActionType = Literal["create", "update", "delete"]
LinkType = Literal["absolute", "smart"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Coding(_Model):
    """CDS Hooks' own Coding (l.1162-1171): code and system required, display conditional."""

    code: str
    system: str
    display: str | None = None


class OverrideReason(Coding):
    """An override reason: a Coding whose display is REQUIRED."""

    display: str


class Source(_Model):
    label: str
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None


class Link(_Model):
    label: str
    url: str
    type: LinkType
    appContext: str | None = None
    autolaunchable: bool | None = None


class Action(_Model):
    type: ActionType
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None
    extension: dict[str, Any] | None = None


class Suggestion(_Model):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] | None = None
    extension: dict[str, Any] | None = None


class Card(_Model):
    uuid: str | None = None
    summary: str = Field(max_length=139)  # spec: "one-sentence, <140-character" summary
    detail: str | None = None
    indicator: Indicator
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: SelectionBehavior | None = None
    overrideReasons: list[OverrideReason] | None = None
    links: list[Link] | None = None
    extension: dict[str, Any] | None = None

    @field_validator("summary")
    @classmethod
    def _summary_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("summary must not be blank")
        return value

    @model_validator(mode="after")
    def _selection_behavior_with_suggestions(self) -> Card:
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("selectionBehavior is required when suggestions are present")
        return self


class CdsResponse(_Model):
    cards: list[Card] = Field(default_factory=list)
    systemActions: list[Action] | None = None
    extension: dict[str, Any] | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)
