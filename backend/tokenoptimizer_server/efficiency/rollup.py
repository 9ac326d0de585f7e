"""The conversations rollup: refreshed by the evaluator job, configured per project."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import psycopg
from pydantic import BaseModel, ConfigDict, Field


class EfficiencySettings(BaseModel):
    """What a project may configure (docs/efficiency.md)."""

    model_config = ConfigDict(extra="forbid")

    session_gap_minutes: int = Field(30, ge=1, le=1440, description="Inactivity that ends a conversation.")
    zimmer_baseline: Decimal = Field(Decimal(300), gt=0, description="Zimmer Tokens at which the score reaches 0.")
    model_multipliers: dict[str, Decimal] = Field(
        default_factory=dict, description="Zimmer multiplier per model name; other models count 1.0.")


DEFAULT_SETTINGS = EfficiencySettings()


def refresh(conn: psycopg.Connection) -> int:
    """Fold the usage rows stored since the last call into the conversations; returns how many sessions changed."""
    row = conn.execute("select public.refresh_conversations() as n").fetchone()
    return row["n"]


def get_settings(conn: psycopg.Connection, project: uuid.UUID) -> EfficiencySettings:
    """The project's settings, or the defaults."""
    row = conn.execute("select session_gap_minutes, zimmer_baseline, model_multipliers "
                       "from public.efficiency_settings where project_id = %s", (project,)).fetchone()
    return EfficiencySettings.model_validate(row) if row else DEFAULT_SETTINGS


def put_settings(conn: psycopg.Connection, project: uuid.UUID, settings: EfficiencySettings) -> EfficiencySettings:
    """Store the settings; the evaluator job then rebuilds the project's conversations with them."""
    multipliers = json.dumps({k: str(v) for k, v in settings.model_multipliers.items()})
    conn.execute(
        "insert into public.efficiency_settings as e (project_id, session_gap_minutes, zimmer_baseline, "
        "model_multipliers, rebuild_requested, updated_at) values (%s, %s, %s, %s::jsonb, true, now()) "
        "on conflict (project_id) do update set session_gap_minutes = excluded.session_gap_minutes, "
        "zimmer_baseline = excluded.zimmer_baseline, model_multipliers = excluded.model_multipliers, "
        "rebuild_requested = true, updated_at = now()",
        (project, settings.session_gap_minutes, settings.zimmer_baseline, multipliers))
    return settings
