"""A rural station's three exports, with the truth beside them: a membership CRM (a couple's
joint membership under "John & Mary", mail to a post-office box), a county newspaper's
subscriptions ("SMITH, JOHN A" in one column, the farm's street address for delivery,
local phone numbers of seven digits) and an event-ticket system (the buyer's whole name,
a mobile). Few towns, so many people per ZIP; a few surnames most of a county's families
share; farms of three generations where a son is named for his father (Jr written now and
then); landlines and family mailboxes a home shares. Written with Faker's en_US tables and
an error model of its own, for `run.sh` to map with `cpm config draft` alone. Nothing in
`src/` reads this file or was tuned to it.

    python make_data.py OUT_DIR [PEOPLE] [SEED]
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fakes  # noqa: E402  (bench/fakes.py)

OUT, PEOPLE, SEED, _ = fakes.arguments(default_seed=9)
rng, fake = fakes.seeded(SEED, "en_US")

AREA_CODE = "715"
# A county's towns, each its own ZIP, of very different sizes.
TOWNS = [(fake.city(), f"54{600 + 7 * i:03d}") for i in range(14)]
TOWN_WEIGHTS = [rng.uniform(0.3, 4.0) for _ in TOWNS]
# Surnames by Zipf's law: the first few are a fifth of the county.
SURNAMES = list(dict.fromkeys(fake.last_name() for _ in range(3000)))[:700]
SURNAME_WEIGHTS = [1 / (rank + 1) ** 1.05 for rank in range(len(SURNAMES))]
ROADS = ["County Road " + c for c in "ABCDEGHJKMNPQTVWXYZ"] + [
    f"State Highway {n}" for n in (13, 21, 27, 29, 73, 95)] + [
    f"{fake.last_name()} Rd" for _ in range(60)] + [f"{n}th Ave" for n in range(5, 40)]
TAKEN = set()  # the mailboxes given out: one is one person's, or one home's
DOMAINS = ["gmail.com"] * 5 + ["yahoo.com"] * 3 + ["frontier.com", "charter.net", "tds.net",
                                                   "hotmail.com", "aol.com"]
NICKNAMES = {
    "william": "Bill", "robert": "Bob", "richard": "Dick", "james": "Jim", "john": "Jack",
    "joseph": "Joe", "michael": "Mike", "thomas": "Tom", "charles": "Chuck", "donald": "Don",
    "ronald": "Ron", "kenneth": "Ken", "gerald": "Jerry", "lawrence": "Larry",
    "raymond": "Ray", "daniel": "Dan", "david": "Dave", "steven": "Steve",
    "edward": "Ed", "douglas": "Doug", "gregory": "Greg", "timothy": "Tim",
    "patricia": "Pat", "elizabeth": "Betty", "margaret": "Peggy", "barbara": "Barb",
    "deborah": "Deb", "susan": "Sue", "kathleen": "Kathy", "judith": "Judy",
    "cynthia": "Cindy", "pamela": "Pam", "jennifer": "Jenny", "rebecca": "Becky",
    "katherine": "Kate", "christine": "Chris", "jacqueline": "Jackie", "dorothy": "Dot",
}


def typo(word):
    return fakes.typo(rng, word)


def digits(n):
    return fakes.digits(rng, n)


def farm_address():
    """A rural street address as a county numbers it ("N4512 County Road K")."""
    if rng.random() < 0.5:
        return f"{rng.choice('NSEW')}{rng.randrange(1000, 9999)} {rng.choice(ROADS)}"
    return f"{rng.randrange(100, 99999)} {rng.choice(ROADS)}"


def person(home, first, last, female, born, generation=""):
    return dict(home=home, first=first, last=last, female=female, born=born,
                generation=generation, middle=rng.choice("ABCDEFGHJKLMNPRSTW"),
                email="", mobile="715" + digits(7) if rng.random() < 0.5 else "")


def birth(low, high):
    return datetime.date(2026, 6, 30) - datetime.timedelta(days=rng.randrange(low * 365, high * 365))


def a_home(home):
    """One household: who lives there, where and how it is reached."""
    town, zip_code = rng.choices(TOWNS, TOWN_WEIGHTS)[0]
    surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    kind = rng.choices(["single", "couple", "couple_child", "farm", "widow"],
                       [0.15, 0.40, 0.15, 0.12, 0.18])[0]
    people = []
    male = lambda: fake.first_name_male()  # noqa: E731
    female = lambda: fake.first_name_female()  # noqa: E731
    if kind in ("couple", "couple_child", "farm"):
        elder = 1 if kind == "farm" else 0
        husband = person(home, male(), surname, False, birth(30 + 25 * elder, 60 + 25 * elder))
        wife = person(home, female(), surname if rng.random() < 0.9 else rng.choice(SURNAMES),
                      True, birth(30 + 25 * elder, 60 + 25 * elder))
        people += [husband, wife]
        if kind == "farm":  # the son farms with his father, named for him, with his wife
            husband["generation"] = "Sr"
            son = person(home, husband["first"], surname, False, birth(25, 45), "Jr")
            son["middle"] = husband["middle"]
            people += [son, person(home, female(), surname, True, birth(25, 45))]
        if kind == "couple_child":
            is_son = rng.random() < 0.5
            people.append(person(home, male() if is_son else female(), surname, not is_son,
                                 birth(18, 30)))
    else:
        is_woman = kind == "widow" or rng.random() < 0.5
        people.append(person(home, female() if is_woman else male(), surname, is_woman,
                             birth(60, 95) if kind == "widow" else birth(22, 80)))
    for p in people:
        p.update(town=town, zip=zip_code)
    street = farm_address()
    po_box = f"PO Box {rng.randrange(1, 999)}" if rng.random() < 0.6 else ""
    landline = AREA_CODE + digits(7) if rng.random() < 0.75 else ""
    family_mail = ""
    if len(people) > 1 and rng.random() < 0.15:
        a, b = people[0]["first"].lower(), people[1]["first"].lower()
        family_mail = rng.choice([f"{surname.lower()}family", f"{a}and{b}",
                                  f"{a[0]}{b[0]}{surname.lower()}"]) + "@" + rng.choice(DOMAINS)
        family_mail = fakes.unique_mailbox(rng, family_mail, TAKEN)
    for p in people:
        if family_mail:
            p["email"] = family_mail
        elif rng.random() < 0.55:
            local = rng.choice([f"{p['first'].lower()}{p['last'].lower()}",
                                f"{p['first'][0].lower()}{p['last'].lower()}",
                                f"{p['first'].lower()}.{p['last'].lower()}"])
            email = f"{local}{rng.randrange(10, 99)}@{rng.choice(DOMAINS)}"
            while email in TAKEN:  # a mailbox is one person's
                email = f"{local}{rng.randrange(100, 999)}@{rng.choice(DOMAINS)}"
            TAKEN.add(email)
            p["email"] = email
        p.update(street=street, po_box=po_box, landline=landline)
    return people


def given(p):
    """The given name as one record writes it: a nickname, a slip, now and then."""
    first = p["first"]
    r = rng.random()
    if r < 0.14 and first.lower() in NICKNAMES:
        return NICKNAMES[first.lower()]
    if r < 0.19:
        return typo(first)
    return first


def surname(p):
    last = p["last"] if rng.random() > 0.04 else typo(p["last"])
    if p["generation"] and rng.random() < 0.5:
        last += " " + p["generation"]
    return last


def phone(p, local=False):
    number = p["mobile"] or p["landline"] if rng.random() < 0.5 else p["landline"] or p["mobile"]
    if not number or rng.random() < 0.1:
        return ""
    if local and number.startswith(AREA_CODE) and rng.random() < 0.6:
        return f"{number[3:6]}-{number[6:]}"
    return rng.choice([f"({number[:3]}) {number[3:6]}-{number[6:]}",
                       f"{number[:3]}-{number[3:6]}-{number[6:]}", number])


def moved(p):
    """A record written after the home moved in the county (a new street address)."""
    return farm_address() if rng.random() < 0.05 else p["street"]


def main():
    os.makedirs(OUT, exist_ok=True)
    people, home = [], 0
    while len(people) < PEOPLE:
        home += 1
        people += a_home(home)
    people = people[:PEOPLE]
    for i, p in enumerate(people, 1):
        p["id"] = i
    homes = {}
    for p in people:
        homes.setdefault(p["home"], []).append(p)

    members, papers, tickets = [], [], []
    truth = [("source", "source_key", "person_id", "household_id")]
    for members_of_home in homes.values():
        head = members_of_home[0]
        couple = len(members_of_home) > 1 and not members_of_home[1]["generation"]
        # The station's members: a couple's membership is often joint, under the first
        # named (who is its person here, as the CRM's primary constituent is).
        for p in members_of_home:
            if rng.random() > 0.5:
                continue
            joint = p is head and couple and rng.random() < 0.35
            for _ in range(1 + (rng.random() < 0.08)):
                first = given(p)
                if joint:
                    partner = given(members_of_home[1])
                    first = rng.choice([f"{first} & {partner}", f"{first} and {partner}"])
                key = f"M{len(members) + 20000}"
                mail_to = p["po_box"] if p["po_box"] and rng.random() < 0.8 else moved(p)
                members.append([
                    key, first, surname(p), p["email"] if rng.random() > 0.1 else "",
                    phone(p), mail_to, p["town"], "WI", p["zip"],
                    p["born"].strftime("%m/%d/%Y") if rng.random() < 0.3 else "",
                    rng.choice(["Basic", "Sustainer", "Leadership"]),
                ])
                truth.append(("members", key, p["id"], p["home"]))
            if joint:
                break  # the partner is on the joint membership
        # The county paper: one subscription a home, in the head's name (some homes two).
        subscribers = [head] + ([members_of_home[2]] if len(members_of_home) > 2
                                and rng.random() < 0.3 else [])
        for p in subscribers:
            if rng.random() > 0.55:
                continue
            first = given(p).upper()
            middle = f" {p['middle']}" if rng.random() < 0.4 else ""
            name = f"{surname(p).upper()}, {first}{middle}"
            if p is head and couple and rng.random() < 0.15:
                name = f"{surname(p).upper()}, {first} & {given(members_of_home[1]).upper()}"
            key = f"{rng.randrange(10**7, 10**8)}"
            papers.append([key, name, moved(p), p["town"].upper(), p["zip"],
                           phone(p, local=True), rng.choice(["7-day", "Sunday", "Digital"])])
            truth.append(("newspaper", key, p["id"], p["home"]))
        # Event tickets: the buyer's whole name, a mobile and an email.
        for p in members_of_home:
            if rng.random() > 0.3:
                continue
            for _ in range(1 + (rng.random() < 0.25)):
                key = f"TX-{len(tickets) + 1:06d}"
                tickets.append([key, f"{given(p)} {surname(p)}", p["email"],
                                phone(p) if p["mobile"] else "", p["zip"],
                                rng.choice(["County Fair Concert", "Polka Night", "Film"])])
                truth.append(("tickets", key, p["id"], p["home"]))

    def write(name, header, rows):
        fakes.write_csv(OUT, name, header, rows)

    write("members.csv", ["Acct No", "First Name", "Last Name", "Email", "Phone",
                          "Mailing Address", "City", "State", "ZIP", "Birth Date",
                          "Membership"], members)
    write("newspaper.csv", ["Sub ID", "Subscriber Name", "Delivery Address", "City", "Zip",
                            "Phone", "Plan"], papers)
    write("tickets.csv", ["Order", "Name", "Email", "Mobile", "Zip", "Event"], tickets)
    write("truth.csv", truth[0], truth[1:])
    print(f"{PEOPLE} people in {len(homes)} homes: {len(members)} members, "
          f"{len(papers)} subscriptions, {len(tickets)} tickets")


main()
