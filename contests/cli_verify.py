"""``ugc-hub verify-draw CERTIFICATE``: recompute a draw from its certificate and print the winners."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from contests.beacon import BeaconError, fetch_text, read_round
from contests.canonical import CanonicalError
from contests.draw import DrawError, check_receipt_in_certificate, load_certificate, verify_certificate
from contests.draw_verify import VerificationResult


def printable(text: str) -> str:
    """Escape control characters, so a crafted reason cannot rewrite what the terminal shows."""
    return "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in text)


def render(verdict: VerificationResult) -> list[str]:
    """Describe a verdict for people: the draw, the recomputed winners and alternates, then OK or FAIL."""
    lines: list[str] = []
    if verdict.draw_id is not None:
        lines.append(f"Draw {verdict.draw_id}: {verdict.count} entries")
    if verdict.beacon is not None:
        beacon = verdict.beacon
        where = f" fetched from {beacon['url']}" if "url" in beacon else " typed by staff"
        lines.append(f"Beacon: {beacon['source']} round {beacon['round']}, value {beacon['value']}{where}")
    if verdict.drawn_winners or verdict.drawn_alternates:
        lines.append("Winners (recomputed):")
        lines += [f"  {rank}. {entry}" for rank, entry in enumerate(verdict.winners, start=1)]
        lines.append("Alternates (recomputed):")
        lines += [f"  {rank}. {entry}" for rank, entry in enumerate(verdict.alternates, start=1)]
    for substitution in verdict.substitutions:
        replaced, promoted = substitution["replaced"], substitution["promoted"]
        lines.append(f"Substituted: {replaced} -> {promoted} ({printable(substitution['reason'])})")
    lines.append(f"OK: {verdict.reason}" if verdict.ok else f"FAIL [{verdict.code}]: {printable(verdict.reason)}")
    return lines


def check_beacon_again(beacon: Mapping[str, Any] | None, *, timeout: float = 15.0) -> tuple[str, str]:
    """Fetch the beacon round again from the address the certificate recorded; (code, message)."""
    if beacon is None:
        return "beacon_unchecked", "this draw used no beacon"
    if "url" not in beacon:
        return "beacon_unchecked", "no address recorded (the value was typed by staff): compare it yourself"
    try:
        value = read_round(fetch_text(beacon["url"], timeout=timeout, round_number=beacon["round"]), beacon["round"])
    except BeaconError as exc:
        code = "beacon_refetch_mismatch" if exc.code == "malformed_response" else "beacon_unreachable"
        return code, f"{beacon['url']}: {exc.reason}"
    if value != beacon["value"]:
        return "beacon_refetch_mismatch", f"{beacon['url']} now gives another value for round {beacon['round']}"
    return "ok", f"{beacon['url']} gives the same value for round {beacon['round']}"


def main(argv: list[str] | None = None) -> int:
    """Verify a certificate file; exit 0 when it verifies, 1 with the reason when it does not."""
    parser = argparse.ArgumentParser(prog="ugc-hub verify-draw", description=__doc__)
    parser.add_argument("certificate", help="the certificate JSON file")
    parser.add_argument("--anchor", action="append", default=[], help="an event hash published earlier")
    parser.add_argument("--receipt", action="append", default=[], help="an inclusion receipt JSON file to check")
    parser.add_argument("--check-beacon", action="store_true", help="fetch the beacon round again and compare")
    args = parser.parse_args(argv)
    try:
        data = load_certificate(Path(args.certificate).read_bytes())
    except OSError as exc:
        print(f"FAIL [unreadable]: {exc}")
        return 1
    except (CanonicalError, DrawError) as exc:
        print(f"FAIL [malformed]: {exc}")
        return 1
    verdict = verify_certificate(data, anchors=args.anchor)
    print("\n".join(render(verdict)))
    if not verdict.ok:
        return 1
    if args.check_beacon:
        code, message = check_beacon_again(verdict.beacon)
        if code != "ok":
            print(f"FAIL [{code}]: {printable(message)}")
            return 1
        print(f"Beacon OK: {message}")
    for path in args.receipt:
        try:
            receipt = load_certificate(Path(path).read_bytes())
        except (OSError, CanonicalError, DrawError) as exc:
            print(f"FAIL [unreadable]: receipt {path}: {exc}")
            return 1
        checked = check_receipt_in_certificate(receipt, data)
        if not checked.ok:
            print(f"FAIL [{checked.code}]: receipt {path}: {checked.reason}")
            return 1
        print(f"Receipt OK: entry {checked.entry_id} is number {checked.index} of the frozen list")
    return 0
