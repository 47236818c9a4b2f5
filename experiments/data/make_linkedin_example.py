"""Write a synthetic LinkedIn data export and contact list, with invented people only.

    python experiments/data/make_linkedin_example.py

writes experiments/data/linkedin_example/{Connections.csv, messages.csv} and
experiments/data/contacts_example.csv from a fixed seed, so the output is the same on every
run. Connections.csv has LinkedIn's quirks: "Notes:" lines before the header, a UTF-8 BOM,
dates like 05 Nov 2024, many empty e-mails and companies, quoted fields with commas, names in
several scripts, blank rows. Every name is made up from the syllables below.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "linkedin_example"
SEED = 20241105
N = 300

SYLLABLES = ["ka", "lo", "mi", "ran", "tes", "vo", "zu", "bel", "dor", "fin", "gal", "hux",
             "jor", "ney", "pim", "qua", "sel", "tav", "wen", "yor"]
# invented names in other scripts (no real person intended)
OTHER_SCRIPTS = [("Злата", "Мирколова"), ("Ярен", "Тодоровска"), ("美玲", "蒼井"), ("浩宇", "林田"),
                 ("Ωρέλια", "Καστρινού"), ("נועה", "בלומברגר"), ("سمیرا", "کاوه‌زاده"),
                 ("Ånnika", "Brøndsvik"), ("Zoë", "Ðuričković"), ("अनवी", "कुरालकर")]
COMPANIES = ["Quillfeather Labs", "Brindlewood Analytics", "Northmoor Systems",
             "Talvi & Sons, Ltd.", "Oxbow Health", "Pellucid Robotics", "Marrowind Bank",
             "Gossamer Studio", "Harrowgate University", "Vantablue, Inc."]
POSITIONS = ["Data Engineer", "Senior Data Engineer", "Product Manager", "Senior Product Manager",
             "UX Researcher", "Software Engineer", "Lead Software Engineer", "Recruiter",
             "Research Scientist", "Head of Marketing", "Marketing, Growth & Brand", "Founder"]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def invented_name(rng) -> tuple[str, str]:
    def word(k):
        return "".join(rng.choice(SYLLABLES, size=k)).capitalize()
    return word(int(rng.integers(2, 4))), word(int(rng.integers(2, 4)))


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    people, seen = [], set()
    while len(people) < N:
        if len(people) < len(OTHER_SCRIPTS):
            first, last = OTHER_SCRIPTS[len(people)]
        else:
            first, last = invented_name(rng)
        if (first, last) in seen:
            continue
        seen.add((first, last))
        slug = f"{len(people):03d}-{rng.integers(16**6):06x}"
        url = f"https://www.linkedin.com/in/example-{slug}"
        email = f"{first.lower()}.{last.lower()}@example.invalid" if rng.random() < 0.15 else ""
        company = str(rng.choice(COMPANIES)) if rng.random() < 0.7 else ""
        position = str(rng.choice(POSITIONS)) if rng.random() < 0.85 else ""
        day = datetime(2024, 11, 5) - timedelta(days=int(rng.integers(0, 12 * 365)))
        connected = f"{day.day:02d} {MONTHS[day.month - 1]} {day.year}"
        people.append((first, last, url, email if email.isascii() else "", company, position,
                       connected))
    buf = io.StringIO(newline="")
    buf.write("Notes:\n")
    buf.write('"When exporting your connection data, you may notice that some of the email '
              'addresses are missing. You will only see email addresses for connections who '
              'have allowed their connections to see or download their email address."\n')
    buf.write("\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position",
                "Connected On"])
    for i, row in enumerate(people):
        w.writerow(row)
        if i in (57, 201):
            buf.write("\n")  # blank rows
    (OUT / "Connections.csv").write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))

    # messages: a few close contacts are written to often, most never
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO",
                "RECIPIENT PROFILE URLS", "DATE", "SUBJECT", "CONTENT", "FOLDER"])
    me_name, me_url = "Example Sender", "https://www.linkedin.com/in/example-sender"
    talk = rng.choice(N, size=90, replace=False)
    for k, j in enumerate(talk):
        first, last, url = people[j][:3]
        n_msg = int(rng.geometric(0.15))
        for m in range(n_msg):
            when = datetime(2024, 11, 5, 18) - timedelta(hours=float(rng.uniform(0, 3 * 8760)))
            mine = rng.random() < 0.5
            w.writerow([f"conv-{k:04d}", "", me_name if mine else f"{first} {last}",
                        me_url if mine else url, f"{first} {last}" if mine else me_name,
                        url if mine else me_url, when.strftime("%Y-%m-%d %H:%M:%S UTC"), "",
                        "Hello, hope you are well, and thanks!" if m % 2 else "Catching up?",
                        "INBOX"])
    (OUT / "messages.csv").write_text(buf.getvalue(), encoding="utf-8")

    # a plain contact list
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["name", "email", "community", "tie_strength", "close"])
    for i in range(120):
        first, last = invented_name(rng)
        tie = f"{rng.beta(1.5, 6):.3f}" if rng.random() < 0.8 else ""
        w.writerow([f"{first} {last} {i}", "", str(rng.choice(["school", "work", "climbing",
                                                             "family"])), tie,
                    "true" if i < 10 else "false"])
    (HERE / "contacts_example.csv").write_text(buf.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    main()
