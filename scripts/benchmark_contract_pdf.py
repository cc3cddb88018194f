"""How long a typical signed contract PDF takes to render and seal, how big it is, and how many two
worker processes make a minute.

    .venv/bin/python scripts/benchmark_contract_pdf.py [--runs 15] [--per-worker 12] [--out /tmp/contract.pdf]

The contract is built in memory (no database): a ~5-page contract for services with a long scope,
six milestones, eight clauses, a drawn and a typed signature and a history of fourteen events, rendered
by the product's own code (``contracts.documents.document_context`` and ``render_sealed``: WeasyPrint,
then the pyHanko seal) with a throwaway self-signed certificate, PAdES B-B (no timestamp authority).
The database reads of a real job (the signatures, the audit trail: three queries) are left out.

Prints the median and 90th percentile of one render+seal in one process (after two warm-up runs), the
split between rendering and sealing, pages and bytes, and PDFs a minute with two processes rendering
side by side (``multiprocessing``, each warmed up first).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SCOPE = "\n\n".join(
    [
        ("The Supplier keeps the Client's books for the financial year 2026 and prepares its annual accounts."),
        (
            "Bookkeeping: the Supplier records every purchase and sales invoice, bank movement and expense claim "
            "the Client sends through the shared folder within five working days of receiving it, reconciles the "
            "bank accounts each month, and keeps the ledgers in the Client's accounting software."
        ),
        (
            "Payroll: the Supplier runs the monthly payroll for up to forty employees, files the payroll tax "
            "returns and social security declarations on time, and sends the payslips to each employee by the "
            "last working day of the month."
        ),
        (
            "Year end: the Supplier closes the books, prepares the annual accounts and the notes to them under "
            "the applicable accounting framework, prepares the corporate income tax return for the Client's "
            "signature, and answers the auditor's questions until the audit report is signed."
        ),
        (
            "Reporting: each month, by the tenth working day, the Supplier sends a management report with the "
            "profit and loss account, the balance sheet, the cash position and a short commentary on anything "
            "unusual."
        ),
    ]
)

CLAUSES = [
    (
        "Confidentiality",
        (
            "Each party keeps confidential every piece of information the other discloses in connection with this"
            " contract, uses it only to perform the contract, and discloses it only to its employees and advisers"
            " who need it and are bound by the same duty. The duty survives the end of the contract for five "
            "years."
        ),
    ),
    (
        "Intellectual property",
        (
            "The deliverables, once paid for, belong to the Client. The Supplier keeps its pre-existing know-how,"
            " templates and tools, and grants the Client a perpetual, royalty-free licence to use those embedded "
            "in the deliverables."
        ),
    ),
    (
        "Data protection",
        (
            "Where the Supplier processes personal data on the Client's behalf, it acts as a processor under the "
            "Client's documented instructions, keeps the data secure, uses sub-processors only with the Client's "
            "prior written consent, and deletes or returns the data at the end of the contract."
        ),
    ),
    (
        "Liability",
        (
            "Neither party is liable for indirect or consequential loss. Each party's total liability under this "
            "contract is limited to the total price, except for fraud, wilful misconduct, breach of "
            "confidentiality or death or personal injury caused by negligence."
        ),
    ),
    (
        "Termination",
        (
            "Either party may end this contract by thirty days' written notice through the platform. Either party"
            " may end it at once if the other materially breaches it and does not remedy the breach within "
            "fourteen days of being asked to. Milestones delivered and approved before the end are paid."
        ),
    ),
    (
        "Non-solicitation",
        (
            "During the contract and for twelve months after it, neither party solicits for employment any "
            "employee of the other who worked on this contract, without the other's written consent."
        ),
    ),
    (
        "Governing law and disputes",
        (
            "This contract is governed by the law of the Client's country of establishment. The parties first try"
            " to settle any dispute through the platform's dispute process; failing that, the courts of the "
            "Client's place of establishment have exclusive jurisdiction."
        ),
    ),
    (
        "Entire agreement",
        (
            "This contract, with the platform's terms of service, is the entire agreement between the parties on "
            "its subject and replaces any earlier proposal, bid or understanding. It is changed only by a new "
            "version signed by both parties on the platform."
        ),
    ),
]


def drawn_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 180), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.line(
        [(20, 140), (90, 40), (150, 150), (230, 50), (300, 130), (380, 60), (470, 120), (570, 70)],
        fill="#0d2260",
        width=5,
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def typical_context() -> dict[str, Any]:
    from contracts.documents import EventLine, SignatureBlock, document_context
    from contracts.models import Contract, ContractVersion
    from contracts.terms import Clause, MilestoneTerms, Party, Terms, canonical_text, sha256

    today = date(2026, 3, 2)
    terms = Terms(
        title="Bookkeeping, payroll and annual accounts 2026",
        client=Party("Northwind Trading GmbH", "DE", "Berlin"),
        supplier=Party("Ledgerly Accounting Ltd", "IE", "Dublin"),
        scope=SCOPE,
        currency="EUR",
        price=2_880_000,
        milestones=tuple(
            MilestoneTerms(f"m{n}", title, amount, today + timedelta(days=30 * n))
            for n, (title, amount) in enumerate(
                [
                    ("Opening balances and chart of accounts", 240_000),
                    ("Books and payroll, first quarter", 540_000),
                    ("Books and payroll, second quarter", 540_000),
                    ("Books and payroll, third quarter", 540_000),
                    ("Books and payroll, fourth quarter", 540_000),
                    ("Annual accounts and tax return filed", 480_000),
                ],
                start=1,
            )
        ),
        end_kind="date",
        end_date=date(2027, 6, 30),
        clauses=tuple(Clause(f"c{n}", title, text) for n, (title, text) in enumerate(CLAUSES, start=1)),
    )
    contract = Contract(
        id=1042, title=terms.title, currency="EUR", activated_at=datetime(2026, 2, 27, 16, 4, tzinfo=UTC)
    )
    text = canonical_text(terms, contract_id=1042, number=2)
    version = ContractVersion(
        contract=contract,
        number=2,
        terms=terms.as_json(),
        text=text,
        sha256=sha256(text),
        created_at=datetime(2026, 2, 25, 9, 12, tzinfo=UTC),
    )
    signed = datetime(2026, 2, 27, 15, 58, 11, tzinfo=UTC)
    agent = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Safari/605.1.15"
    )
    signatures = [
        SignatureBlock(
            "Client",
            "Northwind Trading GmbH",
            "Alice Keller",
            "Owner",
            "typed",
            "Typed name",
            "Alice Keller",
            "",
            "",
            None,
            signed + timedelta(minutes=6),
            "198.51.100.23",
            agent,
            version.sha256,
            signed - timedelta(days=40),
        ),
        SignatureBlock(
            "Supplier",
            "Ledgerly Accounting Ltd",
            "Carol O'Brien",
            "Owner",
            "drawn",
            "Drawn signature",
            "",
            "data:image/png;base64," + base64.b64encode(drawn_png()).decode(),
            "",
            None,
            signed,
            "203.0.113.7",
            agent,
            version.sha256,
            signed - timedelta(days=3),
        ),
    ]
    labels = [
        "Drafted from the accepted bid",
        "New version proposed",
        "Negotiation opened",
        "New version proposed",
        "Sent for signatures",
        "Sent for signing",
        "Signing handed over",
        "Signed",
        "Signed",
        "Signed by every party: active",
    ]
    events = [
        EventLine(
            datetime(2026, 2, 20, 10, 0, tzinfo=UTC) + timedelta(hours=7 * n),
            labels[n % len(labels)],
            "Alice Keller" if n % 2 else "Carol O'Brien",
            "198.51.100.23" if n % 2 else "203.0.113.7",
        )
        for n in range(14)
    ]
    return document_context(
        contract=contract, version=version, signatures=signatures, events=events, in_force_since=contract.activated_at
    )


def setup(folder: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CONTRACT_SIGNING_KEY"] = f"{folder}/key.pem"
    os.environ["CONTRACT_SIGNING_CERT"] = f"{folder}/cert.pem"
    os.environ["CONTRACT_PDF_TSA_URL"] = ""
    import django

    django.setup()
    from contracts import pdf_seal

    pdf_seal.ensure_certificate(
        key_path=Path(folder, "key.pem"), cert_path=Path(folder, "cert.pem"), common_name="Outsource"
    )


def one() -> tuple[float, float, int, int]:
    """Seconds to render, seconds to seal, pages, bytes."""
    import weasyprint
    from django.template.loader import render_to_string

    from contracts import documents, pdf_seal

    context = typical_context()
    began = time.perf_counter()
    document = weasyprint.HTML(string=render_to_string(documents.TEMPLATE, context), base_url=str(BASE_DIR)).render()
    unsealed = document.write_pdf()
    rendered = time.perf_counter()
    sealed = pdf_seal.seal(unsealed, reason="benchmark", location="localhost")
    return rendered - began, time.perf_counter() - rendered, len(document.pages), len(sealed)


def worker(folder: str, count: int, barrier: Any, results: Any) -> None:
    setup(folder)
    one()  # warm up: imports, fonts, templates
    barrier.wait()
    began = time.perf_counter()
    from contracts import documents

    for _ in range(count):
        documents.render_sealed(typical_context())
    results.put(time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--per-worker", type=int, default=12)
    parser.add_argument("--out", default="", help="also write one sealed PDF here")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        setup(folder)
        from contracts import documents

        one()
        one()
        timings = [one() for _ in range(arguments.runs)]
        totals = sorted(render + seal for render, seal, _pages, _size in timings)
        pages, size = timings[0][2], timings[0][3]
        print(f"typical contract: {pages} pages, {size / 1024:.0f} KiB sealed")
        print(
            f"render+seal, one process, {arguments.runs} runs: median {statistics.median(totals) * 1000:.0f} ms, "
            f"p90 {totals[int(len(totals) * 0.9) - 1] * 1000:.0f} ms "
            f"(render {statistics.median(t[0] for t in timings) * 1000:.0f} ms, "
            f"seal {statistics.median(t[1] for t in timings) * 1000:.0f} ms)"
        )
        if arguments.out:
            data, _ = documents.render_sealed(typical_context())
            Path(arguments.out).write_bytes(data)
            print(f"wrote {arguments.out} (sha256 {hashlib.sha256(data).hexdigest()[:16]}…)")

        context = multiprocessing.get_context("spawn")
        barrier, results = context.Barrier(3), context.Queue()
        processes = [
            context.Process(target=worker, args=(folder, arguments.per_worker, barrier, results)) for _ in range(2)
        ]
        for process in processes:
            process.start()
        barrier.wait()
        began = time.perf_counter()
        elapsed = [results.get(timeout=600) for _ in processes]
        wall = time.perf_counter() - began
        for process in processes:
            process.join()
        made = 2 * arguments.per_worker
        print(
            f"two worker processes: {made} PDFs in {wall:.1f} s = {made / wall * 60:.0f} PDFs a minute "
            f"(each process {arguments.per_worker / max(elapsed) * 60:.0f} a minute; {os.cpu_count()} CPUs here)"
        )


if __name__ == "__main__":
    main()
