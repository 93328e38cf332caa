"""A British charity's two exports, with the truth beside them: a supporter CRM (title and
forename in two columns, day-first birth dates, UK phones written with and without +44,
postcodes spaced or not) and an event-booking system ("SURNAME, Forename" in one column,
ISO timestamps, upper-case emails). Written with Faker's en_GB tables and an error model
of its own, for `run.sh` to map with `cpm config draft` alone. Households of two and three
share a surname (mostly), an address and sometimes a landline; each person has a mailbox
of their own. Nothing in `src/` reads this file or was tuned to it.

    python make_data.py OUT_DIR [PEOPLE] [SEED]
"""

import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import fakes  # noqa: E402  (bench/fakes.py)

OUT, PEOPLE, SEED, _ = fakes.arguments(default_seed=5)
rng, fake = fakes.seeded(SEED, "en_GB")

NICKNAMES = {
    "william": "Bill", "robert": "Rob", "elizabeth": "Liz", "margaret": "Maggie",
    "thomas": "Tom", "james": "Jim", "katherine": "Kate", "jennifer": "Jen",
    "michael": "Mike", "christopher": "Chris", "daniel": "Dan", "samuel": "Sam",
    "victoria": "Vicky", "rebecca": "Becky", "jonathan": "Jon", "matthew": "Matt",
    "alexander": "Alex", "benjamin": "Ben", "joseph": "Joe", "stephen": "Steve",
}
DOMAINS = ["gmail.com", "btinternet.com", "hotmail.co.uk", "yahoo.co.uk", "outlook.com"]
LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# Sixty towns, each with its postcode district.
TOWNS = [(fake.city(), fake.postcode()[:-3].strip()) for _ in range(60)]


def typo(word):
    return fakes.typo(rng, word)


def postcode(district):
    return f"{district} {rng.randrange(1, 10)}{rng.choice(LETTERS)}{rng.choice(LETTERS)}"


def digits(n):
    return fakes.digits(rng, n)


def households():
    """People in homes of one to three, each with a mailbox of their own."""
    people, taken, home_id = [], set(), 0
    while len(people) < PEOPLE:
        home_id += 1
        town, district = rng.choice(TOWNS)
        address = fake.street_address().replace("\n", ", ")
        code = postcode(district)
        landline = "01" + digits(9) if rng.random() < 0.3 else ""
        surname = fake.last_name()
        for j in range(rng.choice([1, 1, 1, 2, 2, 3])):
            female = rng.random() < 0.5
            first = fake.first_name_female() if female else fake.first_name_male()
            last = surname if j == 0 or rng.random() < 0.8 else fake.last_name()
            local = f"{first.lower()}.{last.lower()}"
            if rng.random() < 0.4:
                local += str(rng.randrange(100))
            email = fakes.unique_mailbox(rng, f"{local}@{rng.choice(DOMAINS)}", taken)
            people.append(dict(
                id=len(people) + 1, home=home_id, first=first, last=last,
                title="Mrs" if female else "Mr",
                birth=fake.date_of_birth(minimum_age=18, maximum_age=90),
                email=email if rng.random() < 0.85 else "",
                mobile="07" + digits(9) if rng.random() < 0.7 else "",
                landline=landline, address=address, town=town, postcode=code,
            ))
    return people[:PEOPLE]


def as_written(p):
    """One record of `p`, as one system wrote it on one day."""
    first, last, email, mobile = p["first"], p["last"], p["email"], p["mobile"]
    address, town, code, birth = p["address"], p["town"], p["postcode"], p["birth"]
    r = rng.random()
    if r < 0.06:
        first = typo(first)
    elif r < 0.12 and first.lower() in NICKNAMES:
        first = NICKNAMES[first.lower()]
    if rng.random() < 0.05:
        last = typo(last)
    if rng.random() < 0.08:
        email = ""
    elif email and rng.random() < 0.05:  # the same name at another provider
        email = email.split("@")[0] + "@" + rng.choice(["gmail.com", "icloud.com"])
    if rng.random() < 0.1:  # moved house
        town, district = rng.choice(TOWNS)
        address = fake.street_address().replace("\n", ", ")
        code = postcode(district)
    if rng.random() < 0.3:
        code = code.replace(" ", "").lower()
    if mobile and rng.random() < 0.4:
        mobile = "+44 " + mobile[1:5] + " " + mobile[5:]
    if rng.random() < 0.04:
        birth = birth.replace(day=min(28, birth.day + 1))
    return dict(first=first, last=last, email=email, mobile=mobile, address=address,
                town=town, postcode=code, birth=birth)


def main():
    os.makedirs(OUT, exist_ok=True)
    supporters, bookings = [], []
    truth = [("source", "source_key", "person_id", "household_id")]
    for p in households():
        for _ in range(1 + (rng.random() < 0.12)):  # a CRM that holds some twice
            r = as_written(p)
            key = f"SUP{len(supporters) + 100000}"
            gift = datetime.date(2026, 1, 1) - datetime.timedelta(days=rng.randrange(900))
            supporters.append([
                key, p["title"], r["first"], r["last"],
                r["birth"].strftime("%d/%m/%Y") if rng.random() > 0.1 else "",
                r["email"], r["mobile"] or p["landline"], r["address"], r["town"],
                r["postcode"], rng.choice(["Y", "N"]), gift.strftime("%d/%m/%Y"),
                f"£{rng.choice([5, 10, 25, 50, 100])}.00",
            ])
            truth.append(("supporters", key, p["id"], p["home"]))
        if rng.random() < 0.45:
            for _ in range(1 + (rng.random() < 0.3)):
                r = as_written(p)
                key = f"T-{len(bookings) + 1:06d}"
                booked = datetime.datetime(2026, 3, 1) + datetime.timedelta(
                    days=rng.randrange(200), minutes=rng.randrange(1440))
                bookings.append([
                    key, f"{r['last'].upper()}, {r['first']}",
                    r["email"].upper() if rng.random() < 0.2 else r["email"], r["mobile"],
                    r["postcode"], booked.strftime("%Y-%m-%dT%H:%M:%S"),
                    rng.choice(["12.50", "20.00", "35.00"]),
                ])
                truth.append(("event_bookings", key, p["id"], p["home"]))

    def write(name, header, rows):
        fakes.write_csv(OUT, name, header, rows)

    write("supporters.csv", ["Supporter Ref", "Title", "Forename", "Surname", "Date of Birth",
                             "Email Address", "Telephone", "Address Line 1", "Town",
                             "Postcode", "Gift Aid", "Last Gift Date", "Last Gift Amount"],
          supporters)
    write("event_bookings.csv", ["Booking ID", "Attendee Name", "Attendee Email", "Mobile",
                                 "Postcode", "Booked At", "Ticket Price"], bookings)
    write("truth.csv", truth[0], truth[1:])
    print(f"{PEOPLE} people: {len(supporters)} supporter rows, {len(bookings)} bookings")


main()
