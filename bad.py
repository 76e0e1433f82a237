import os


def f(x):
    if x == None:  # noqa: E711
        return l
