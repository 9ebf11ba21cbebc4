"""Tuple helpers for set d. Every pair is written earlier report first:
(kind, channel_a, category_a, text_a, channel_b, category_b, text_b, distance_m, hours_apart)."""


def D(ca, ka, ta, cb, kb, tb, dist, hours):
    return ("dup", ca, ka, ta, cb, kb, tb, dist, hours)


def P(ca, ka, ta, cb, kb, tb, dist, hours):  # same place, different problem
    return ("same_place_diff_problem", ca, ka, ta, cb, kb, tb, dist, hours)


def N(ca, ka, ta, cb, kb, tb, dist, hours):  # same problem, another object nearby
    return ("same_problem_nearby", ca, ka, ta, cb, kb, tb, dist, hours)


def F(ca, ka, ta, cb, kb, tb, dist, hours):  # same problem, another place
    return ("same_problem_diff_place", ca, ka, ta, cb, kb, tb, dist, hours)


def L(ca, ka, ta, cb, kb, tb, dist, hours):  # same place, later recurrence
    return ("same_place_later", ca, ka, ta, cb, kb, tb, dist, hours)
