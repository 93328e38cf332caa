"""The slips of the keyboard the Faker-based benchmark generators (british, bilingual) write
into names: shared so that both make the same kinds of error."""


def typo(rng, word):
    """One slip, drawn from `rng`: a letter dropped, two swapped, or one mistyped."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word[:i] + rng.choice("aeiourstln") + word[i + 1:]
