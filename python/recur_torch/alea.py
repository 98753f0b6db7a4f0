"""recur's random generator in Python: seedrandom's Alea, number for number.

recur draws the order of the training text at every epoch start from one seeded
`Rng` (src/core/rng.ts), which is seedrandom's Alea generator. For the PyTorch
trainer to read the same windows as `recur train`, it draws the same numbers:

    Mash(data):   n = 0xefc8249d; for each UTF-16 code unit u of data:
                      n += u; h = 0.02519603282416938·n; n = uint32(h); h -= n; h *= n;
                      n = uint32(h); h -= n; n += h·2³²
                  returns uint32(n)·2⁻³²
    seeding:      c = 1; s0, s1, s2 = Mash(' ') three times, then each sᵢ -= Mash(seed) (+1 if < 0)
    next():       t = 2091639·s0 + c·2⁻³²; s0, s1 = s1, s2; c = ⌊t⌋; s2 = t − c
    double():     next() + ⌊next()·2²¹⌋·2⁻⁵³        (53 bits)
    int(n):       ⌊double()·n⌋
    shuffle(a):   Fisher–Yates from the end: for i = len−1 … 1: j = int(i + 1); swap a[i], a[j]

Every step is float64 arithmetic (JavaScript numbers), which Python floats
reproduce exactly; uint32(x) of the non-negative values here is ⌊x⌋ mod 2³².
No torch, no numpy: the tests check it against recur's Rng for several seeds.
"""

_TWO_M32 = 2.3283064365386963e-10  # 2^-32
_TWO_M53 = 1.1102230246251565e-16  # 2^-53


def _mash():
    n = 0xEFC8249D

    def mash(data):
        nonlocal n
        units = str(data).encode("utf-16-le")
        for i in range(0, len(units), 2):
            n += units[i] | (units[i + 1] << 8)
            h = 0.02519603282416938 * n
            n = int(h) & 0xFFFFFFFF
            h -= n
            h *= n
            n = int(h) & 0xFFFFFFFF
            h -= n
            n += h * 4294967296.0
        return (int(n) & 0xFFFFFFFF) * _TWO_M32

    return mash


class Alea:
    """seedrandom.alea(seed): state (c, s0, s1, s2), 32-bit outputs in [0, 1)."""

    __slots__ = ("c", "s0", "s1", "s2")

    def __init__(self, seed=""):
        mash = _mash()
        self.c = 1.0
        self.s0 = mash(" ")
        self.s1 = mash(" ")
        self.s2 = mash(" ")
        self.s0 -= mash(seed)
        if self.s0 < 0:
            self.s0 += 1
        self.s1 -= mash(seed)
        if self.s1 < 0:
            self.s1 += 1
        self.s2 -= mash(seed)
        if self.s2 < 0:
            self.s2 += 1

    def next(self):
        t = 2091639 * self.s0 + self.c * _TWO_M32
        self.s0 = self.s1
        self.s1 = self.s2
        self.c = float(int(t))  # t ≥ 0, so JavaScript's t | 0 is ⌊t⌋
        self.s2 = t - self.c
        return self.s2

    def double(self):
        return self.next() + int(self.next() * 0x200000) * _TWO_M53


class Rng:
    """recur's Rng (src/core/rng.ts): the seed as a string, uniform doubles, integers, shuffles, state."""

    def __init__(self, seed):
        self.alea = Alea(str(seed))

    def next(self):
        return self.alea.double()

    def int(self, n):
        """Uniform integer in [0, n)."""
        return int(self.alea.double() * n)

    def shuffle(self, a):
        """Fisher–Yates in place (a list or a 1-D numpy array), as Rng.shuffle."""
        double = self.alea.double
        for i in range(len(a) - 1, 0, -1):
            j = int(double() * (i + 1))
            a[i], a[j] = a[j], a[i]

    def state(self):
        """The generator's state, as seedrandom's state() gives it: {c, s0, s1, s2}."""
        g = self.alea
        return {"c": g.c, "s0": g.s0, "s1": g.s1, "s2": g.s2}

    @classmethod
    def restore(cls, state):
        r = cls("")
        r.alea.c, r.alea.s0, r.alea.s1, r.alea.s2 = (float(state[k]) for k in ("c", "s0", "s1", "s2"))
        return r
