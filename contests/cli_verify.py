"""``ugc-hub verify-draw CERTIFICATE``: recompute a draw from its certificate and print the winners."""

from __future__ import annotations

import argparse
from pathlib import Path

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
        lines.append(
            f"Beacon: {beacon['source']} round {beacon['round']}, value {beacon['value']}"
            " (compare it with the value the source published for that round)"
        )
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


def main(argv: list[str] | None = None) -> int:
    """Verify a certificate file; exit 0 when it verifies, 1 with the reason when it does not."""
    parser = argparse.ArgumentParser(prog="ugc-hub verify-draw", description=__doc__)
    parser.add_argument("certificate", help="the certificate JSON file")
    parser.add_argument("--anchor", action="append", default=[], help="an event hash published earlier")
    parser.add_argument("--receipt", action="append", default=[], help="an inclusion receipt JSON file to check")
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
