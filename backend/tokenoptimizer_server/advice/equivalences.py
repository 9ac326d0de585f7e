"""A project's equivalence map: "candidate_model can do model's job (on endpoint_name)".

Rows live in public.model_equivalences (members read, admins write: row-level security with
has_role_on_project). The advice offers a mapped candidate even where the default quality rules
(generation, tier) would not, and records why; hard facts (context, retirement, features) still hold.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import psycopg
from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

_COLUMNS = "id, endpoint_name, model, candidate_model, note, created_at"


class EquivalenceIn(BaseModel):
    """One entry: `endpoint_name` null means every endpoint."""

    model_config = ConfigDict(extra="forbid")
    model: Annotated[StrictStr, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
    candidate_model: Annotated[StrictStr, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
    endpoint_name: Annotated[StrictStr, Field(min_length=1, max_length=100, pattern=r"^[^\x00]*$")] | None = None
    note: Annotated[StrictStr, Field(max_length=200, pattern=r"^[^\x00]*$")] | None = None

    @model_validator(mode="after")
    def _different(self):
        if self.model == self.candidate_model:
            raise ValueError("candidate_model must differ from model")
        return self


def as_json(row: dict) -> dict:
    return {**row, "id": str(row["id"]), "created_at": row["created_at"].isoformat()}


def list_all(conn: psycopg.Connection, project: uuid.UUID) -> list[dict]:
    return conn.execute(f"select {_COLUMNS} from public.model_equivalences where project_id = %s "
                        "order by endpoint_name nulls first, model, candidate_model", (project,)).fetchall()


def add(conn: psycopg.Connection, project: uuid.UUID, entry: EquivalenceIn) -> dict | None:
    """The new row; None when the same entry exists already."""
    return conn.execute(
        f"insert into public.model_equivalences (project_id, endpoint_name, model, candidate_model, note) "
        f"values (%s, %s, %s, %s, %s) on conflict do nothing returning {_COLUMNS}",
        (project, entry.endpoint_name, entry.model, entry.candidate_model, entry.note)).fetchone()


def update(conn: psycopg.Connection, project: uuid.UUID, entry_id: uuid.UUID, entry: EquivalenceIn) -> dict | None:
    """The replaced row; None when there is no such entry in the project."""
    return conn.execute(
        f"update public.model_equivalences set endpoint_name = %s, model = %s, candidate_model = %s, note = %s "
        f"where project_id = %s and id = %s returning {_COLUMNS}",
        (entry.endpoint_name, entry.model, entry.candidate_model, entry.note, project, entry_id)).fetchone()


def remove(conn: psycopg.Connection, project: uuid.UUID, entry_id: uuid.UUID) -> bool:
    return conn.execute("delete from public.model_equivalences where project_id = %s and id = %s",
                        (project, entry_id)).rowcount == 1
