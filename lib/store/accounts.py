"""The team's accounts for the embedded sign-in: user names with salted scrypt password
hashes, in one JSON file (CHOKEPOINT_USERS, default var/users.json) readable by the server's
user only (mode 600). The operator manages it with `python -m lib users add|remove|list`; the
app only reads it. Used when no OIDC provider is configured (lib/app/access.py).

A password is never stored: each account keeps a random salt, the scrypt parameters and the
derived key. Checking an unknown name costs as much as checking a known one, so the time an
answer takes does not tell which names exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "var" / "users.json"
FORMAT = "chokepoint-users"
# scrypt cost: n=2**14, r=8 (16 MiB, about 50 ms a check on one core): OWASP's minimum for
# scrypt (Password Storage Cheat Sheet, 2024), high enough to make a stolen file slow to
# guess, low enough that a sign-in does not stall the one server process.
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
SALT_BYTES, KEY_BYTES = 16, 32
MAX_MEMORY = 64 * 1024 * 1024  # bytes: a hand-edited record asking for more is refused
MIN_PASSWORD, MAX_PASSWORD = 8, 1024  # characters
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")  # e-mail addresses fit
NAME_RULE = ("a user name is 1 to 64 letters, digits or . _ @ + - (starting with a letter or "
             "digit)")


class AccountsError(ValueError):
    """An accounts request that cannot be done (bad name, short password, damaged file)."""


def accounts_path() -> Path:
    return Path(os.environ.get("CHOKEPOINT_USERS") or DEFAULT_PATH)


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=MAX_MEMORY, dklen=KEY_BYTES)


def hash_password(password: str) -> dict:
    """A new account record for `password`: random salt, the scrypt parameters, the key."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountsError(f"a password is at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountsError(f"a password is at most {MAX_PASSWORD} characters")
    salt = secrets.token_bytes(SALT_BYTES)
    return {"salt": salt.hex(), **SCRYPT, "key": _derive(password, salt, **SCRYPT).hex(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def clean_name(name: object) -> str:
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name.strip()):
        raise AccountsError(NAME_RULE)
    return name.strip()


# A record to check unknown names against, so that they take as long as known ones.
_DUMMY = {"salt": "00" * SALT_BYTES, **SCRYPT, "key": "00" * KEY_BYTES}


class Accounts:
    """The accounts file at `path` (default: accounts_path()), read afresh on every call so the
    CLI's changes apply to a running server at once."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else accounts_path()

    def _read(self) -> dict[str, dict]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise AccountsError(f"the accounts file cannot be read ({exc.strerror})") from None
        try:
            document = json.loads(text)
            users = document["users"]
            if document.get("format") != FORMAT or not isinstance(users, dict) or not all(
                    isinstance(r, dict) and {"salt", "n", "r", "p", "key"} <= r.keys()
                    for r in users.values()):
                raise ValueError(FORMAT)
        except (ValueError, KeyError, TypeError):
            raise AccountsError("the accounts file is damaged (not a Chokepoint accounts "
                                "file)") from None
        return users

    def _write(self, users: dict[str, dict]) -> None:
        """Replace the file in one step (a temporary file renamed over it), mode 600 from the
        start: no moment when the hashes are readable by others or half written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".users-", dir=self.path.parent)  # mode 600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump({"format": FORMAT, "users": users}, out, indent=1, sort_keys=True)
                out.write("\n")
            os.chmod(temp, 0o600)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def names(self) -> list[str]:
        return sorted(self._read(), key=str.lower)

    def exists(self) -> bool:
        """Whether any account is configured (an unreadable file counts as none)."""
        try:
            return bool(self._read())
        except AccountsError:
            return False

    def add(self, name: str, password: str, replace: bool = False) -> None:
        name = clean_name(name)
        users = self._read()
        if name.lower() in {n.lower() for n in users} and not replace:
            raise AccountsError(f"a user named '{name}' exists (use --replace to set a new "
                                "password)")
        users = {n: r for n, r in users.items() if n.lower() != name.lower()}
        users[name] = hash_password(password)
        self._write(users)

    def remove(self, name: str) -> None:
        users = self._read()
        kept = {n: r for n, r in users.items() if n.lower() != str(name).strip().lower()}
        if len(kept) == len(users):
            raise AccountsError(f"no user named '{name}'")
        self._write(kept)

    def verify(self, name: str, password: str) -> str | None:
        """The account's name as stored if `password` is its password, else None. Names match
        without regard to case; the comparison of keys takes constant time."""
        users = self._read()
        found = next((n for n in users if isinstance(name, str)
                      and n.lower() == name.strip().lower()), None)
        record = users[found] if found else _DUMMY
        if not isinstance(password, str) or len(password) > MAX_PASSWORD:
            password = ""
        try:
            key = _derive(password, bytes.fromhex(record["salt"]), int(record["n"]),
                          int(record["r"]), int(record["p"]))
            match = hmac.compare_digest(key, bytes.fromhex(record["key"]))
        except (ValueError, TypeError):  # a hand-edited record: never a match
            return None
        return found if match and found else None

    def loose_permissions(self) -> bool:
        """Whether others than the owner may read or write the file (the CLI warns)."""
        try:
            return bool(self.path.stat().st_mode & 0o077)
        except OSError:
            return False
