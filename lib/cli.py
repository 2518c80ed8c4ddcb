"""Command line: `python -m lib COMMAND`: run, params, presets, backcast (the model); backup,
restore, import, export, undelete (the saved-scenario library); users (team sign-in).

Every data file is checked before any command runs. Bad input or a damaged data file ends
with exit status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from lib.analysis.backcast import backcast_table
from lib.core.data import DataError
from lib.core.model import BINDING
from lib.core.outputs import CHANNELS, OUTPUTS, output
from lib.core.runs import Result, run
from lib.core.scenario import Scenario, ScenarioError, presets, validate_data
from lib.core.variation import documentation_rows
from lib.report.style import scenario_label
from lib.store import backup
from lib.store.accounts import Accounts, AccountsError
from lib.store.database import LibraryError
from lib.store.library import ScenarioLibrary

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse's own code for usage errors)
        raise _BadInput(message)


class _BadInput(Exception):
    pass


def _parse_set(items: list[str]) -> dict:
    """--set key=value or key.YEAR=value (repeatable)."""
    overrides: dict = {}
    for item in items:
        if "=" not in item:
            raise _BadInput(f"--set expects key=value, got {item!r}")
        key, value = item.split("=", 1)
        key = key.strip()
        if "." in key:
            key, year = key.split(".", 1)
            existing = overrides.get(key, {})
            if not isinstance(existing, dict):
                raise _BadInput(f"--set {key}: mixes a whole value and per-year values")
            overrides[key] = existing | {year: value}
        else:
            overrides[key] = value
    return overrides


def _scenario(args) -> Scenario:
    preset = args.preset
    overrides: dict = {}
    if args.scenario:
        try:
            raw = Path(args.scenario).read_bytes()
        except OSError as exc:
            raise _BadInput(f"cannot read {args.scenario}: {exc.strerror}") from None
        base = Scenario.from_json(raw)
        preset = args.preset or base.preset
        overrides = base.override_dict()
    overrides |= _parse_set(args.set or [])
    return Scenario.build(preset or "status_quo", overrides)


def _write(frame_or_text, fmt: str, out: str | None) -> None:
    if fmt == "parquet":
        if not out:
            raise _BadInput("--format parquet needs --out FILE")
        frame_or_text.to_parquet(out, index=False)
        return
    text = frame_or_text if isinstance(frame_or_text, str) else frame_or_text.to_csv(index=False)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


RUN_SCHEMA = "chokepoint.run/2"  # README.md, "JSON output of run"; bump on any change


def json_numbers(values) -> list[float | None]:
    """Plain JSON numbers: NaN and infinities become null."""
    return [float(x) if math.isfinite(x) else None for x in np.asarray(values, dtype=float)]


def _by_year(frame: pd.DataFrame, column: str) -> dict[str, float | None]:
    return dict(zip(map(str, frame.index), json_numbers(frame[column]), strict=True))


def run_document(result: Result, headline: pd.DataFrame) -> dict:
    """`run --format json`: the schema README.md documents (tests/test_cli.py checks it)."""
    months = result.months.strftime("%Y-%m").tolist()
    series: dict[str, list] = {"month": months}
    for key in sorted(result.series, key=list(OUTPUTS).index):  # undeclared: ValueError
        values = result.series[key]
        if output(key).unit == "category":  # an index into BINDING: its label
            series[key] = [BINDING[int(i)] for i in values]
        elif output(key).unit == "index":
            series[key] = [int(i) for i in values]
        else:
            series[key] = json_numbers(values)
    tables = result.channel_years()
    years = [str(y) for y in headline.columns if str(y).isdigit()]
    return {
        "schema": RUN_SCHEMA,
        "scenario": result.scenario.to_dict() | {"label": scenario_label(result.scenario)},
        "licensed_chip": result.licensed_chip,
        "headline": [row | {y: json_numbers([row[y]])[0] for y in years}
                     for row in headline.to_dict(orient="records")],
        "series": series,
        "series_units": {k: output(k).unit for k in series if k != "month"},
        "channels": {c: {"label": label} | {k: _by_year(t, c) for k, t in tables.items()}
                     for c, label in CHANNELS.items()},
        "china_stock_h100e_by_channel": {
            k: json_numbers(v) for k, v in result.channel_stock_h100e().items()},
    }


def cmd_run(args) -> None:
    """The scenario's series (with their units), flows and headline metrics (labelled as
    lib/core/outputs.py declares them)."""
    scenario = _scenario(args)
    result = run(scenario)
    years = [y for y in (2025, 2026, 2027, 2028, 2030, 2035) if y <= result.months[-1].year]
    headline = result.headline(years)
    if args.format == "json":
        _write(json.dumps(run_document(result, headline), indent=1, allow_nan=False) + "\n",
               "json", args.out)
    else:
        flows = result.flows_frame().pivot_table(
            index="month", columns=["channel", "chip"], values=["arrivals_units", "stock_units",
                                                               "stock_h100e"])
        flows.columns = [f"{v}:{c}:{chip}" for v, c, chip in flows.columns]
        frame = result.series_frame().reset_index().merge(flows.reset_index(), on="month")
        if args.format == "csv" and not args.out:
            buffer = io.StringIO()
            headline.to_csv(buffer, index=False)
            sys.stderr.write(buffer.getvalue())
        _write(frame, args.format, args.out)


def cmd_params(args) -> None:
    frame = pd.DataFrame(documentation_rows())  # the Assumptions page's table, at defaults
    if args.format == "json":
        _write(frame.to_json(orient="records", indent=1) + "\n", "json", args.out)
    else:
        _write(frame, args.format, args.out)


def cmd_presets(args) -> None:
    rows = [{"name": p.name, "label": p.label, "rationale": p.rationale,
             "sources": " | ".join(p.sources),
             "overrides": json.dumps(Scenario(p.name).to_dict()["overrides"] or {
                 k: v for k, v in p.overrides})}
            for p in presets().values()]
    frame = pd.DataFrame(rows)
    if args.format == "json":
        _write(frame.to_json(orient="records", indent=1) + "\n", "json", args.out)
    else:
        _write(frame, args.format, args.out)


def cmd_backcast(args) -> None:

    frame = backcast_table(_scenario(args))
    if args.format == "json":
        _write(frame.to_json(orient="records", indent=1) + "\n", "json", args.out)
    else:
        _write(frame, args.format, args.out)


def cmd_backup(args) -> None:
    count = backup.backup(args.path)
    print(f"backed up {count} saved scenario{'' if count == 1 else 's'} to {args.path}")


def cmd_restore(args) -> None:
    count = backup.restore(args.path)
    print(f"restored {count} saved scenario{'' if count == 1 else 's'} from {args.path}")


OPERATOR = "operator (command line)"  # who the library's log names for the commands below


def _utc_time(text: str) -> str:
    """A UTC time as the library stores it (ISO 8601), for comparing with its stamps."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date or time: {text!r}") from None
    when = when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)
    return when.isoformat(timespec="milliseconds")


def cmd_import(args) -> None:
    """Curate the library from a file exported on the Saved scenarios page (say, for a public
    deployment, whose visitors cannot import)."""
    saved, skipped = ScenarioLibrary().import_json(Path(args.path).read_bytes(),
                                                   overwrite=args.replace, user=args.user)
    print(f"imported {saved} saved scenario{'' if saved == 1 else 's'} from {args.path}")
    for message in skipped:
        print(f"skipped {message}", file=sys.stderr)


def cmd_undelete(args) -> None:
    """Restore what one person deleted (say, a signed-in account that emptied the library),
    each scenario logged as restored by the operator."""
    library = ScenarioLibrary()
    chosen = [s for s in library.deleted() if s.deleted_by == args.by
              and (args.since is None or (s.deleted_at or "") >= args.since)]
    for saved in reversed(chosen):  # oldest deletion first
        name = library.restore(saved.id, user=args.user)
        print(f"restored {name}" + ("" if name == saved.name else f" (was {saved.name})"))
    print(f"restored {len(chosen)} scenario{'' if len(chosen) == 1 else 's'} deleted by "
          f"{args.by}" + (f" since {args.since}" if args.since else ""))


def cmd_export(args) -> None:
    text = ScenarioLibrary().export_json()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")


def _new_password(args) -> str:
    """The new password: one line on standard input with --password-stdin, else typed twice at
    a prompt that does not echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise _BadInput("no terminal to ask for the password: use --password-stdin")
    password = getpass.getpass(f"New password for {args.name}: ")
    if getpass.getpass("Repeat it: ") != password:
        raise _BadInput("the two passwords differ; nothing was changed")
    return password


def cmd_users(args) -> None:
    """The accounts of the team deployment's embedded sign-in ($CHOKEPOINT_USERS)."""
    accounts = Accounts()
    if args.action == "add":
        accounts.add(args.name, _new_password(args), replace=args.replace)
        print(f"{'set the password of' if args.replace else 'added'} user {args.name} "
              f"in {accounts.path}")
    elif args.action == "remove":
        accounts.remove(args.name)
        print(f"removed user {args.name} from {accounts.path}")
    else:
        names = accounts.names()
        print("\n".join(names) if names else f"no users in {accounts.path}")
    if accounts.loose_permissions():
        print(f"warning: {accounts.path} can be read by other users of this machine; "
              f"chmod 600 it", file=sys.stderr)


def _users_parser(sub) -> None:
    users = sub.add_parser("users", help="manage the team's sign-in accounts ($CHOKEPOINT_USERS)")
    users.set_defaults(func=cmd_users)
    actions = users.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = actions.add_parser("add", help="add a user (or --replace a password)")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input")
    add.add_argument("--replace", action="store_true", help="set a new password for the user")
    actions.add_parser("remove", help="remove a user").add_argument("name")
    actions.add_parser("list", help="list the user names")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m lib", description="Chokepoint model core")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, func, helptext in (
        ("run", cmd_run, "run a scenario; writes its series and headline metrics"),
        ("backcast", cmd_backcast, "compare a scenario with the published estimates"),
        ("params", cmd_params, "list every parameter with its metadata"),
        ("presets", cmd_presets, "list the presets"),
    ):
        command = sub.add_parser(name, help=helptext)
        command.set_defaults(func=func)
        command.add_argument("--format", choices=("json", "csv", "parquet"),
                             default="json" if name != "params" else "csv")
        command.add_argument("--out", help="write to FILE instead of standard output")
        if name in ("run", "backcast"):
            command.add_argument("--preset", help="preset name (see `presets`)")
            command.add_argument("--scenario", help="scenario JSON file")
            command.add_argument("--set", action="append", metavar="KEY=VALUE",
                                 help="override a parameter; KEY.YEAR=VALUE for one year")
    for name, func, helptext in (
        ("backup", cmd_backup, "copy the saved-scenario library ($CHOKEPOINT_DB) to a new file"),
        ("restore", cmd_restore, "replace the saved-scenario library with a backup"),
    ):
        command = sub.add_parser(name, help=helptext)
        command.set_defaults(func=func)
        command.add_argument("path", help="the backup file")
    command = sub.add_parser("import", help="add the scenarios of a library export (JSON) to "
                                            "the library ($CHOKEPOINT_DB)")
    command.set_defaults(func=cmd_import)
    command.add_argument("path", help="a file from the Saved scenarios page's Export")
    command.add_argument("--replace", action="store_true",
                         help="replace saved scenarios with the same names (else kept)")
    command.add_argument("--user", default=OPERATOR, help="who the audit log names")
    command = sub.add_parser("undelete", help="restore every scenario one person deleted")
    command.set_defaults(func=cmd_undelete)
    command.add_argument("--by", required=True, help="who deleted them (as the audit log names "
                                                     "them)")
    command.add_argument("--since", type=_utc_time, help="only deletions at or after this UTC "
                                                        "time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
    command.add_argument("--user", default=OPERATOR, help="who the audit log names")
    command = sub.add_parser("export", help="write the library ($CHOKEPOINT_DB) as one JSON file")
    command.set_defaults(func=cmd_export)
    command.add_argument("--out", help="write to FILE instead of standard output")
    _users_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        validate_data()  # every data file, before any command reads one
        args.func(args)
    except (_BadInput, ScenarioError, DataError, LibraryError, AccountsError) as exc:
        message = str(exc).replace("\n", " ")
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0
