"""The make-believe AWS account that the stand-in's applies change.

Terraform keeps the state; AWS keeps what really exists, and the two can
disagree, which is where a real apply goes wrong (a stage serving an old
deployment, a role name already taken in another region). The account records
every applied change in the order Terraform core made it, and the resources
that exist after it, per region, so that tests can ask what the live service
serves, and rules can refuse what AWS would refuse given what already exists.

It lives in one JSON file: `$STANDIN_ACCOUNT` when set (several working
directories then share one account, as two stacks share a real one), else
`standin-account.json` in Terraform's data directory (`$TF_DATA_DIR`, else
`.terraform`), so each initialised working directory is its own fresh account.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "NEW_ACCOUNT_CONCURRENCY",
    "AccountState",
    "account_path",
    "open_account",
    "read_account",
]

# Lambda's concurrency quota in a new account (Lambda developer guide, "Lambda
# quotas": new accounts may start with a reduced quota); tests may seed another.
NEW_ACCOUNT_CONCURRENCY = 10

_LOCK = threading.Lock()


def account_path() -> Path:
    """The file holding the account (see the module docstring)."""
    shared = os.environ.get("STANDIN_ACCOUNT")
    if shared:
        return Path(shared)
    return Path(os.environ.get("TF_DATA_DIR", ".terraform")) / "standin-account.json"


@dataclass
class AccountState:
    """What exists in the account, and the log of applied changes that made it so.

    `resources[type][id]` is `{"region": ..., "state": ...}`: the state the
    provider returned for that resource, plus what AWS derives from it (a
    deployment's snapshot of routes, say) under keys the schema does not have.
    """

    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def of_type(self, type_name: str, region: str | None = None) -> dict[str, dict[str, Any]]:
        """The resources of `type_name` by id, in `region` when given."""
        found = self.resources.get(type_name, {})
        return {
            key: record
            for key, record in found.items()
            if region is None or record["region"] == region
        }

    def record(
        self, type_name: str, action: str, resource_id: str, region: str, state: Any
    ) -> dict[str, Any] | None:
        """Log one applied change and make the account match it; return the stored record.

        An update keeps what AWS derived before (an updated deployment keeps its
        snapshot); a delete returns the record it removed, if there was one.
        """
        self.log.append({"type": type_name, "action": action, "id": resource_id, "region": region})
        records = self.resources.setdefault(type_name, {})
        if action == "delete":
            return records.pop(resource_id, None)
        derived = records.get(resource_id, {}) if action == "update" else {}
        records[resource_id] = {**derived, "region": region, "state": state}
        return records[resource_id]

    def to_json(self) -> dict[str, Any]:
        """The JSON form stored in the account file."""
        return {"settings": self.settings, "resources": self.resources, "log": self.log}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccountState:
        """Read the JSON form stored in the account file."""
        return cls(
            resources=data.get("resources", {}),
            log=data.get("log", []),
            settings=data.get("settings", {}),
        )

    def concurrency_quota(self) -> int:
        """The account's Lambda concurrent executions quota."""
        return int(self.settings.get("lambda_concurrency_quota", NEW_ACCOUNT_CONCURRENCY))


def read_account(path: Path | None = None) -> AccountState:
    """The account as it is now (empty when nothing was ever applied to it)."""
    path = path or account_path()
    if not path.exists():
        return AccountState()
    return AccountState.from_json(json.loads(path.read_text() or "{}"))


@contextmanager
def open_account(path: Path | None = None) -> Iterator[AccountState]:
    """The account for one change, saved afterwards; one change at a time, across processes.

    Terraform applies independent resources in parallel, so the provider's
    threads, and any other process sharing the file, take turns.
    """
    path = path or account_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            text = handle.read()
            account = AccountState.from_json(json.loads(text) if text.strip() else {})
            yield account
            handle.seek(0)
            handle.truncate()
            json.dump(account.to_json(), handle, indent=1, sort_keys=True, default=str)
            handle.flush()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
