"""The plaintext reference for the five-nation benchmark: Splink (Fellegi-Sunter with EM, the UK
Ministry of Justice's linkage library) on the *raw* fields of a `pupilmatch synth` population,
scored against its truth.csv exactly as `pupilmatch link`'s output on the same files.

Issue 3 asks the matcher to be as accurate on encodings as the best plaintext linkage is on raw
data; this measures that plaintext linkage on pupilmatch's own benchmark. It is a reference
tool, not part of the test suite (it needs Python packages the Rust build does not):

    pip install splink pandas
    pupilmatch synth --output-dir synth --pupils 60000 --seed 2
    pupilmatch keygen --agreement bench --epoch 1 --output synth/agreement.key
    pupilmatch link --secret synth/agreement.key --left synth/missing.csv \\
        --right synth/roll.csv --output synth/links.csv --threshold 0.5
    python3 benches/plaintext_splink.py synth 0.9 synth/links.csv

The same on the second, independently parameterised generator (`benches/corrupt.py`), whose
truth names each clerk error: the last table gives recall per error class side by side.

    python3 benches/corrupt.py geco --seed 1
    pupilmatch link --secret synth/agreement.key --left geco/missing.csv --right geco/roll.csv \\
        --output geco/links.csv
    python3 benches/plaintext_splink.py geco 0.9 geco/links.csv

Give several links files (`... 0.9 before.csv after.csv`) to compare them in one run: each is
reported and gets a column of its own, named after the file.

Splink gets the same fields pupilmatch compares (forename, surname, date of birth, sex, the
national identifier), in two configurations of the names, its term-frequency adjustments, EM
on three blocking rules and, generously, the true share of matching pairs as its prior.
"""
import logging
import sys
import unicodedata

import pandas as pd
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.internals.duckdb.database_api import DuckDBAPI

def fold(s):
    s = unicodedata.normalize("NFKD", s if isinstance(s, str) else "")
    return "".join(c.lower() for c in s if c.isascii() and (c.isalpha() or c == " ")).strip() or None

def load(path):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = pd.DataFrame({
        "unique_id": df["record_id"],
        "forename": df["forename"].map(fold),
        "surname": df["surname"].map(fold),
        "dob": df["dob"].replace("", None),
        "sex": df["sex"].replace("", None),
    })
    ident = None
    for col in ("upn", "scn", "ppsn", "ni_pupil_id"):
        v = df[col].where(df[col] != "", None).map(lambda x, c=col: f"{c}:{x}" if x else None)
        ident = v if ident is None else ident.fillna(v)
    out["identifier"] = ident
    out["full_name"] = (out["forename"].fillna("") + " " + out["surname"].fillna("")).str.strip()
    return out

NAME_COMPARISONS = {
    # Splink's comparison for a person's names: both names, swapped, and the concatenation.
    "combined": lambda: [
        cl.ForenameSurnameComparison("forename", "surname", forename_surname_concat_col_name="full_name"),
    ],
    # Each name on its own, with term-frequency adjustments.
    "separate": lambda: [
        cl.NameComparison("forename").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
    ],
}


def report(label, pairs, truth, threshold):
    """Precision, recall and F1 of scored `pairs` ((missing id, roll id) -> probability)."""
    true_pairs = set(zip(truth.missing_id, truth.roll_id))
    print(f"== {label}")
    best = None
    for t in sorted({threshold, 0.5, 0.99, 0.999} | {x / 100 for x in range(1, 100)}):
        kept = {pair for pair, p in pairs.items() if p >= t}
        tp = len(kept & true_pairs)
        fp, fn = len(kept) - tp, len(true_pairs) - tp
        p, r = tp / max(len(kept), 1), tp / len(true_pairs)
        f1 = 2 * p * r / max(p + r, 1e-12)
        if t in (threshold, 0.5, 0.99):
            print(f"threshold {t:.2f}: precision {p:.4f}  recall {r:.4f}  F1 {f1:.4f}  (TP {tp}, FP {fp}, FN {fn})")
        if best is None or f1 > best[0]:
            best = (f1, t, p, r, tp, fp, fn)
    print("best F1 {:.4f} at threshold {:.3f}: precision {:.4f}  recall {:.4f}  (TP {}, FP {}, FN {})".format(*best))
    kept = {pair for pair, p in pairs.items() if p >= threshold}
    found = pd.Series([(a, b) in kept for a, b in zip(truth.missing_id, truth.roll_id)])
    errors = truth.errors.map(lambda e: 0 if not e else len(e.split(";"))).clip(upper=2)
    print(f"recall at {threshold} by clerk errors (0, 1, 2+):",
          [round(float(found[errors == k].mean()), 4) for k in (0, 1, 2)])
    hard = (truth.move_type != "within_nation") & (truth.shared_identifier == "false")
    print(f"recall at {threshold}, cross-border moves with no shared identifier: {found[hard].mean():.4f}")


def one_to_one(pairs):
    """Greedy 1-to-1 by probability: each missing and each roll record in at most one pair."""
    used_l, used_r, kept = set(), set(), {}
    for (l, r), p in sorted(pairs.items(), key=lambda x: (-x[1], x[0])):
        if l not in used_l and r not in used_r:
            used_l.add(l)
            used_r.add(r)
            kept[(l, r)] = p
    return kept


def error_classes(row):
    """The classes a true pair counts in: each clerk error, `2+ errors`, `none`, the move type."""
    errors = [e for e in row.errors.split(";") if e]
    return errors + (["2+ errors"] if len(errors) >= 2 else []) + ([] if errors else ["none"]) + [
        f"move: {row.move_type}"]


def recall_by_class(columns, truth):
    """Recall per error class for each column (name -> set of linked pairs), as one table."""
    n, found = {}, {name: {} for name in columns}
    for row in truth.itertuples():
        for c in error_classes(row):
            n[c] = n.get(c, 0) + 1
            for name, links in columns.items():
                hit = (row.missing_id, row.roll_id) in links
                found[name][c] = found[name].get(c, 0) + hit
    names = list(columns)
    print(f"{'error in the pair':28} {'n':>6} " + " ".join(f"{x:>14}" for x in names))
    for c in sorted(n, key=lambda c: (c.startswith("move"), c != "none", c)):
        print(f"{c:28} {n[c]:>6} " + " ".join(f"{found[x][c] / n[c]:>14.3f}" for x in names))


def splink_pairs(name_config, left, right, truth):
    true_pairs = set(zip(truth.missing_id, truth.roll_id))
    db = DuckDBAPI()
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.ExactMatch("identifier"),
            *NAME_COMPARISONS[name_config](),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("identifier"), block_on("dob"), block_on("forename", "surname"),
            block_on("surname", "substr(dob, 1, 4)"), block_on("forename", "substr(dob, 1, 4)"),
        ],
        # Generous to plaintext: the true share of matching pairs, not an estimate.
        probability_two_random_records_match=len(true_pairs) / (len(left) * len(right)),
    )
    linker = Linker([db.register(left), db.register(right)], settings)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    for rule in (block_on("dob"), block_on("surname"), block_on("identifier")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule, record_sample_proportion=1.0)
    pred = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    return {
        ((l, r) if l.startswith("M") else (r, l)): p
        for l, r, p in zip(pred.unique_id_l, pred.unique_id_r, pred.match_probability)
    }

if __name__ == "__main__":
    folder = sys.argv[1]
    threshold = float(sys.argv[2]) if len(sys.argv) > 2 else 0.9
    logging.getLogger("splink").setLevel(logging.WARNING)
    left, right = load(f"{folder}/missing.csv"), load(f"{folder}/roll.csv")
    truth = pd.read_csv(f"{folder}/truth.csv", dtype=str, keep_default_na=False)
    columns = {}
    for name_config in NAME_COMPARISONS:
        pairs = splink_pairs(name_config, left, right, truth)
        report(f"Splink on the raw fields, names {name_config}", pairs, truth, threshold)
        linked = one_to_one({k: p for k, p in pairs.items() if p >= 0.5})
        report(f"Splink, names {name_config}, 1-to-1 at 0.5", linked, truth, 0.5)
        columns[f"splink {name_config}"] = set(linked)
    # Several links files (e.g. before and after a change) are reported side by side, each
    # column named after its file.
    for path in sys.argv[3:]:
        links = pd.read_csv(path, dtype=str, keep_default_na=False)
        pairs = {
            (l, r): float(p)
            for l, r, p in zip(links.left_record_id, links.right_record_id, links.probability)
        }
        label = "pupilmatch" if len(sys.argv) == 4 else path.rsplit("/", 1)[-1].removesuffix(".csv")
        report(f"{label} on encodings (`pupilmatch link` output {path})", pairs, truth, threshold)
        columns[label] = set(pairs)
    print("== recall by error class (Splink 1-to-1 at 0.5; pupilmatch as linked)")
    recall_by_class(columns, truth)
