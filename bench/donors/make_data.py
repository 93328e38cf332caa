"""A donor file this project did not generate: four systems of a regional public-media
station, written with Faker's US name and address tables and its own error model, with
the truth beside them. It exists to measure the matcher on data its own generator
(`cpm generate`) never shaped: other name frequencies, twins and juniors at one home,
hyphenated and maiden surnames, e-mail handles that spell no name or another person's,
ZIP+4, placeholder birth dates, whole names in one column, a CRM that holds some donors
twice. Nothing in `src/` reads this file or was tuned to it.

    python make_data.py OUT_DIR [PEOPLE] [SEED]
"""

import csv
import datetime
import os
import random
import sys

from faker import Faker

OUT = sys.argv[1]
PEOPLE = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 7

rng = random.Random(SEED)
Faker.seed(SEED)
fake = Faker("en_US")
AS_OF = datetime.date(2026, 6, 30)

# A metro area: many people per ZIP, so namesakes in one ZIP happen as they do in life.
ZIPS = [(f"981{n:02d}", "Seattle") for n in range(1, 40)] + [
    ("98004", "Bellevue"), ("98005", "Bellevue"), ("98006", "Bellevue"), ("98007", "Bellevue"),
    ("98033", "Kirkland"), ("98034", "Kirkland"), ("98052", "Redmond"), ("98053", "Redmond"),
    ("98055", "Renton"), ("98056", "Renton"), ("98057", "Renton"), ("98058", "Renton"),
    ("98402", "Tacoma"), ("98403", "Tacoma"), ("98405", "Tacoma"), ("98406", "Tacoma"),
    ("98201", "Everett"), ("98203", "Everett"), ("98204", "Everett"), ("98208", "Everett"),
    ("98020", "Edmonds"), ("98026", "Edmonds"), ("98036", "Lynnwood"), ("98037", "Lynnwood"),
]
ZIP_WEIGHTS = [rng.uniform(0.3, 3.0) for _ in ZIPS]
# Distinct names in the order drawn (a set's order follows string hashes, which Python
# seeds afresh each run: the file came out different every time).
STREETS = list(dict.fromkeys(fake.street_name() for _ in range(900)))[:600]
AREA_CODES = ["206", "425", "253", "360"]
DOMAINS = ["gmail.com"] * 8 + ["yahoo.com"] * 3 + ["hotmail.com", "outlook.com", "comcast.net",
                                                    "icloud.com", "aol.com", "msn.com"]

# Our own short list of nicknames (a different, smaller one than the matcher's).
NICKNAMES = {
    "william": ["Bill", "Will", "Billy"], "robert": ["Bob", "Rob", "Bobby"],
    "richard": ["Rick", "Dick", "Rich"], "james": ["Jim", "Jimmy", "Jamie"],
    "john": ["Johnny", "Jack"], "joseph": ["Joe", "Joey"], "michael": ["Mike", "Mikey"],
    "thomas": ["Tom", "Tommy"], "charles": ["Charlie", "Chuck"], "christopher": ["Chris"],
    "daniel": ["Dan", "Danny"], "matthew": ["Matt"], "anthony": ["Tony"],
    "david": ["Dave"], "steven": ["Steve"], "stephen": ["Steve"], "edward": ["Ed", "Eddie", "Ted"],
    "andrew": ["Andy", "Drew"], "joshua": ["Josh"], "kenneth": ["Ken", "Kenny"],
    "timothy": ["Tim"], "ronald": ["Ron", "Ronnie"], "donald": ["Don", "Donnie"],
    "gregory": ["Greg"], "jeffrey": ["Jeff"], "benjamin": ["Ben"], "samuel": ["Sam"],
    "patrick": ["Pat"], "alexander": ["Alex"], "nicholas": ["Nick"], "jonathan": ["Jon"],
    "nathan": ["Nate"], "zachary": ["Zach"], "raymond": ["Ray"], "gerald": ["Jerry"],
    "lawrence": ["Larry"], "peter": ["Pete"], "douglas": ["Doug"], "frederick": ["Fred"],
    "elizabeth": ["Liz", "Beth", "Betty"], "katherine": ["Kate", "Kathy", "Katie"],
    "catherine": ["Cathy", "Kate"], "kathleen": ["Kathy"], "margaret": ["Maggie", "Peggy", "Meg"],
    "jennifer": ["Jen", "Jenny"], "jessica": ["Jess"], "patricia": ["Pat", "Patty", "Trish"],
    "barbara": ["Barb"], "susan": ["Sue", "Susie"], "deborah": ["Deb", "Debbie"],
    "rebecca": ["Becky"], "christine": ["Chris"], "christina": ["Tina"], "kimberly": ["Kim"],
    "cynthia": ["Cindy"], "pamela": ["Pam"], "samantha": ["Sam"], "victoria": ["Vicky", "Tori"],
    "alexandra": ["Alex"], "stephanie": ["Steph"], "abigail": ["Abby"], "amanda": ["Mandy"],
    "melissa": ["Missy"], "theresa": ["Terri"], "judith": ["Judy"], "dorothy": ["Dot"],
    "jacqueline": ["Jackie"], "valerie": ["Val"], "gabrielle": ["Gabby"], "natalie": ["Nat"],
}
KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm"
STREET_FORMS = [("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr"),
                ("Lane", "Ln"), ("Court", "Ct"), ("Place", "Pl"), ("Boulevard", "Blvd")]


def chance(p):
    return rng.random() < p


def typo(word):
    """One keyboard slip: a letter dropped, doubled, swapped with its neighbour or hit beside."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2 and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    row = next((r for r in KEYBOARD.split() if word[i].lower() in r), None)
    if row is None:
        return word
    j = row.index(word[i].lower())
    near = row[j - 1] if j > 0 and (j == len(row) - 1 or chance(0.5)) else row[min(j + 1, len(row) - 1)]
    return word[:i] + near + word[i + 1:]


def phone():
    return rng.choice(AREA_CODES) + f"{rng.randrange(200, 1000)}{rng.randrange(0, 10000):04d}"


def write_phone(digits):
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice([f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", digits])


def address():
    number = rng.choice([rng.randrange(100, 999), rng.randrange(1000, 29999)])
    street = rng.choice(STREETS)
    zip_, city = rng.choices(ZIPS, ZIP_WEIGHTS)[0]
    unit = None
    if chance(0.3):
        unit = rng.choice([f"Apt {rng.randrange(1, 40)}", f"#{rng.randrange(100, 999)}",
                           f"Unit {rng.choice('ABCDEF')}", f"Apt {rng.randrange(1, 9)}{rng.choice('ABCD')}"])
    return {"line1": f"{number} {street}", "unit": unit, "city": city, "zip": zip_}


def birth_date(age_lo, age_hi):
    age = rng.randint(age_lo, age_hi)
    return AS_OF - datetime.timedelta(days=age * 365 + rng.randrange(365))


used_handles = set()


def email_for(first, last, dob):
    f, l = first.lower().replace(" ", "").replace("'", ""), last.lower().replace(" ", "").replace("'", "").replace("-", "")
    shape = rng.random()
    if shape < 0.18:
        handle = f"{f}.{l}"
    elif shape < 0.32:
        handle = f"{f}{l}"
    elif shape < 0.46:
        handle = f"{f[0]}{l}"
    elif shape < 0.54:
        handle = f"{f}_{l}"
    elif shape < 0.64:
        handle = f"{f}{dob.year % 100:02d}"
    elif shape < 0.70:
        handle = f"{l}{f[0]}"
    elif shape < 0.78 and f in NICKNAMES:
        handle = f"{rng.choice(NICKNAMES[f]).lower()}{l}"
    elif shape < 0.90:
        handle = fake.user_name()  # a handle that spells no name, or somebody else's
    else:
        handle = f"{fake.word()}{fake.word()}"
    while handle in used_handles or chance(0.35):
        handle = f"{handle}{rng.randrange(1, 99)}"
        if handle not in used_handles:
            break
    used_handles.add(handle)
    return f"{handle}@{rng.choice(DOMAINS)}"


def make_person(pid, hid, female, first, last, dob, home, landline):
    p = {
        "id": pid, "household": hid, "female": female, "first": first, "last": last,
        "middle": fake.first_name()[0] if chance(0.6) else "", "suffix": "",
        "dob": dob, "home": home, "landline": landline,
        "mobile": phone() if chance(0.85) else None, "maiden": None,
    }
    p["email"] = email_for(first, last, dob) if chance(0.85) else None
    p["work_email"] = f"{first[0].lower()}{last.lower().replace(' ', '')}@{fake.domain_name()}" if chance(0.12) else None
    return p


def new_given_name(female, taken):
    """A given name no one else in the home has (a Jr. is made on purpose, below)."""
    while True:
        first = fake.first_name_female() if female else fake.first_name_male()
        if first not in taken:
            return first


def household(first_id, hid):
    size = rng.choices([1, 2, 3, 4, 5], [50, 32, 10, 6, 2])[0]
    home = address()
    moved_from = address() if chance(0.12) else None
    landline = phone() if chance(0.3) else None
    family = fake.last_name()
    people = []
    head_female = chance(0.52)
    head_first = fake.first_name_female() if head_female else fake.first_name_male()
    head = make_person(first_id, hid, head_female, head_first, family, birth_date(30, 88), home, landline)
    people.append(head)
    if size >= 2:
        female = (not head_female) if chance(0.9) else head_female
        first = new_given_name(female, {head_first})
        surname = rng.choices([family, fake.last_name(), f"{family}-{fake.last_name()}"], [60, 34, 6])[0]
        age = (AS_OF - head["dob"]).days // 365
        partner = make_person(first_id + 1, hid, female, first, surname,
                              birth_date(max(22, age - 8), min(92, age + 8)), home, landline)
        if female and surname == family and chance(0.35):
            partner["maiden"] = fake.last_name()
        people.append(partner)
    for k in range(2, size):
        prev = people[-1] if k > 2 else None
        if prev is not None and chance(0.06):
            # twins: one birth date, one surname, one home
            female = chance(0.5)
            first = new_given_name(female, {p["first"] for p in people})
            child = make_person(first_id + k, hid, female, first, family, prev["dob"], home, landline)
        elif not head_female and chance(0.08):
            child = make_person(first_id + k, hid, False, head["first"], family, birth_date(18, 45), home, landline)
            child["suffix"] = "Jr"
            head["suffix"] = rng.choice(["Sr", ""])
        else:
            female = chance(0.5)
            first = new_given_name(female, {p["first"] for p in people})
            child = make_person(first_id + k, hid, female, first, family, birth_date(18, 45), home, landline)
        people.append(child)
    for p in people:
        p["old_home"] = moved_from
    return people


def given_name(p):
    first = p["first"]
    if chance(0.12) and first.lower() in NICKNAMES:
        first = rng.choice(NICKNAMES[first.lower()])
    if chance(0.04):
        first = typo(first)
    return first


def surname(p, older):
    last = p["maiden"] if older and p["maiden"] else p["last"]
    if "-" in last and chance(0.4):
        last = last.split("-")[0]
    if chance(0.04):
        last = typo(last)
    return last


def street_line(home):
    line = home["line1"]
    for full, short in STREET_FORMS:
        if line.endswith(" " + full) and chance(0.5):
            line = line[: -len(full)] + short
        elif line.endswith(" " + short) and chance(0.3):
            line = line[: -len(short)] + full
    if chance(0.03):
        number, _, rest = line.partition(" ")
        line = f"{typo(number) if len(number) > 2 else number} {rest}"
    return line


def zip_of(home, plus4):
    z = home["zip"]
    if chance(0.01):
        z = z[:4] + str(rng.randrange(10))
    if plus4 and chance(0.25):
        z = f"{z}-{rng.randrange(1000, 9999)}"
    return z


def dob_text(p, fmt):
    d = p["dob"]
    if chance(0.01):
        return datetime.date(1900, 1, 1).strftime(fmt)
    if chance(0.02) and d.day <= 12:
        d = datetime.date(d.year, d.day, d.month)
    if chance(0.01):
        d = d.replace(year=d.year + rng.choice([-1, 1]))
    return d.strftime(fmt)


def best_phone(p):
    if p["landline"] and (p["mobile"] is None or chance(0.5)):
        return p["landline"]
    return p["mobile"]


def some_email(p):
    options = [e for e in (p["email"], p["work_email"]) if e]
    if not options:
        return None
    e = options[0] if len(options) == 1 or chance(0.7) else options[1]
    if chance(0.01):
        local, _, domain = e.partition("@")
        e = f"{typo(local)}@{domain}"
    return e


def main():
    os.makedirs(OUT, exist_ok=True)
    people = []
    hid = 0
    while len(people) < PEOPLE:
        people.extend(household(len(people) + 1, hid))
        hid += 1
    people = people[:PEOPLE]

    truth = [("source", "source_key", "person_id", "household_id")]
    crm, tickets, newsletter, magazine = [], [], [], []
    for p in people:
        older = p["old_home"] is not None
        if chance(0.45):
            copies = 2 if chance(0.05) else 1
            for c in range(copies):
                home = p["old_home"] if older and (c == 1 or chance(0.4)) else p["home"]
                key = f"C{len(crm) + 100001}"
                crm.append({
                    "ConstituentID": key, "FirstName": given_name(p),
                    "MiddleName": p["middle"] if chance(0.5) else "",
                    "LastName": surname(p, home is p["old_home"]), "Suffix": p["suffix"] if chance(0.7) else "",
                    "Email": some_email(p) if chance(0.85) else "", "Phone": write_phone(best_phone(p)) if best_phone(p) and chance(0.8) else "",
                    "Address1": street_line(home), "Address2": home["unit"] or "",
                    "City": home["city"], "State": "WA", "Zip": zip_of(home, True),
                    "BirthDate": dob_text(p, "%m/%d/%Y") if chance(0.4) else "",
                })
                truth.append(("crm", key, p["id"], p["household"]))
        if chance(0.35):
            accounts = 2 if chance(0.1) else 1
            for _ in range(accounts):
                key = f"T-{len(tickets) + 5001}"
                first, last = given_name(p), surname(p, False)
                name = f"{last}, {first}" if chance(0.3) else f"{first} {last}"
                if chance(0.2):
                    name = name.upper()
                mobile = p["mobile"] or p["landline"]
                tickets.append({
                    "order_account": key, "buyer_name": name,
                    "buyer_email": some_email(p) or "",
                    "buyer_phone": write_phone(mobile) if mobile and chance(0.7) else "",
                    "billing_zip": zip_of(p["home"], False) if chance(0.9) else "",
                })
                truth.append(("tickets", key, p["id"], p["household"]))
        if chance(0.5) and (p["email"] or p["work_email"]):
            key = f"N{len(newsletter) + 1}"
            newsletter.append({
                "subscriber": key, "email_address": some_email(p),
                "first": given_name(p) if chance(0.6) else "",
                "last": surname(p, False) if chance(0.5) else "",
                "postal": zip_of(p["home"], False) if chance(0.3) else "",
                "signup_date": (AS_OF - datetime.timedelta(days=rng.randrange(2000))).isoformat(),
            })
            truth.append(("newsletter", key, p["id"], p["household"]))
        if chance(0.2):
            key = f"M{len(magazine) + 70000}"
            home = p["old_home"] if older and chance(0.5) else p["home"]
            first, last = given_name(p), surname(p, home is p["old_home"])
            middle = f" {p['middle']}" if p["middle"] and chance(0.5) else ""
            suffix = f" {p['suffix']}" if p["suffix"] and chance(0.5) else ""
            magazine.append({
                "acct": key, "full_name": f"{first}{middle} {last}{suffix}".upper(),
                "street": street_line(home).upper(), "apt": (home["unit"] or "").upper(),
                "city": home["city"].upper(), "st": "WA", "zip": zip_of(home, True),
                "phone": write_phone(best_phone(p)) if best_phone(p) and chance(0.6) else "",
                "birth_year_date": dob_text(p, "%Y-%m-%d") if chance(0.2) else "",
            })
            truth.append(("magazine", key, p["id"], p["household"]))

    for name, rows in [("crm", crm), ("tickets", tickets), ("newsletter", newsletter), ("magazine", magazine)]:
        rng.shuffle(rows)
        with open(os.path.join(OUT, f"{name}.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rows)
    with open(os.path.join(OUT, "truth.csv"), "w", newline="") as f:
        csv.writer(f).writerows(truth)
    print(f"{len(people)} people in {hid} households: crm {len(crm)}, tickets {len(tickets)}, "
          f"newsletter {len(newsletter)}, magazine {len(magazine)} records")


main()
