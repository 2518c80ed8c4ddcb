"""The team deployment's accounts file and `python -m lib users`: salted scrypt hashes (never
the password), mode 600, names matched without regard to case, wrong passwords and unknown
names refused alike, a damaged file refused with a message; the CLI's add, remove and list."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from lib.cli import main
from lib.store import accounts as accounts_module
from lib.store.accounts import Accounts, AccountsError

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    path = tmp_path / "var" / "users.json"
    monkeypatch.setenv("CHOKEPOINT_USERS", str(path))
    return path


def test_a_password_is_stored_as_a_salted_scrypt_hash_in_a_private_file(users_file):
    accounts = Accounts()
    accounts.add("ana", PASSWORD)
    accounts.add("ben@example.org", PASSWORD)  # the same password: a different salt and key
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
    text = users_file.read_text()
    assert PASSWORD not in text
    records = json.loads(text)["users"]
    assert records["ana"]["salt"] != records["ben@example.org"]["salt"]
    assert records["ana"]["key"] != records["ben@example.org"]["key"]
    assert (records["ana"]["n"], records["ana"]["r"], records["ana"]["p"]) == (2 ** 14, 8, 1)
    assert accounts.verify("ana", PASSWORD) == "ana"
    assert accounts.verify(" ANA ", PASSWORD) == "ana"
    assert accounts.verify("ana", PASSWORD + " ") is None
    assert accounts.verify("nobody", PASSWORD) is None
    assert accounts.verify("ana", None) is None
    assert accounts.names() == ["ana", "ben@example.org"]


def test_bad_names_short_passwords_and_duplicates_are_refused(users_file):
    accounts = Accounts()
    for name in ("", " ", "-ana", "a b", "x" * 65, "<script>"):
        with pytest.raises(AccountsError, match="a user name is 1 to 64"):
            accounts.add(name, PASSWORD)
    with pytest.raises(AccountsError, match="a password is at least 8 characters"):
        accounts.add("ana", "short")
    accounts.add("ana", PASSWORD)
    with pytest.raises(AccountsError, match="a user named 'Ana' exists"):
        accounts.add("Ana", "another password")
    accounts.add("Ana", "another password", replace=True)  # a new password, one account
    assert accounts.names() == ["Ana"]
    assert accounts.verify("ana", PASSWORD) is None
    assert accounts.verify("ana", "another password") == "Ana"
    with pytest.raises(AccountsError, match="no user named 'bob'"):
        accounts.remove("bob")


def test_a_damaged_or_hand_edited_file_is_refused(users_file):
    users_file.parent.mkdir(parents=True)
    users_file.write_text("{not json")
    with pytest.raises(AccountsError, match="the accounts file is damaged"):
        Accounts().verify("ana", PASSWORD)
    assert not Accounts().exists()
    users_file.write_text(json.dumps({"format": "chokepoint-users", "users": {"ana": {
        "salt": "zz", "n": 2 ** 30, "r": 8, "p": 1, "key": "00"}}}))
    assert Accounts().verify("ana", PASSWORD) is None  # never a match, never a crash


def test_an_unknown_name_costs_as_much_as_a_known_one(users_file, monkeypatch):
    Accounts().add("ana", PASSWORD)
    derived = []
    original = accounts_module._derive
    monkeypatch.setattr(accounts_module, "_derive",
                        lambda *args: derived.append(args[2:]) or original(*args))
    Accounts().verify("ana", "wrong password")
    Accounts().verify("nobody", "wrong password")
    assert derived == [(2 ** 14, 8, 1)] * 2


def test_cli_adds_lists_and_removes_users(users_file, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "ana", "--password-stdin"]) == 0
    assert capsys.readouterr().out.startswith("added user ana in ")
    assert Accounts().verify("ana", PASSWORD) == "ana"
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert main(["users", "add", "ben", "--password-stdin"]) == 2
    assert capsys.readouterr().err == "error: a password is at least 8 characters\n"
    assert main(["users", "list"]) == 0
    assert capsys.readouterr().out == "ana\n"
    assert main(["users", "remove", "ana"]) == 0
    assert main(["users", "remove", "ana"]) == 2
    assert capsys.readouterr().err == "error: no user named 'ana'\n"
    assert Accounts().names() == []


def test_cli_asks_for_the_password_twice_and_warns_of_a_readable_file(users_file, monkeypatch,
                                                                      capsys):
    answers = iter([PASSWORD, "something else"])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["users", "add", "ana"]) == 2
    assert "the two passwords differ" in capsys.readouterr().err
    assert not users_file.exists()
    answers = iter([PASSWORD, PASSWORD])
    assert main(["users", "add", "ana"]) == 0
    os.chmod(users_file, 0o644)
    assert main(["users", "list"]) == 0
    assert "can be read by other users of this machine; chmod 600 it" in capsys.readouterr().err


def test_cli_without_a_terminal_needs_password_stdin(users_file):
    done = subprocess.run([sys.executable, "-m", "lib", "users", "add", "ana"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
                          env=os.environ | {"PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr == "error: no terminal to ask for the password: use --password-stdin\n"
