# Strings of every kind, f-strings and line joining.
a = 'single' "double" '''triple 'with' "quotes" '' inside''' """and ""\" more"""
b = r'\d+\'' + R"raw" + b'bytes' + Br'raw bytes' + rb"\x" + u'unicode' + U"U"
c = f"{x!r:>{width}} {y['key']} {{literal}} {z:.2f}"
d = rf"\w{name}" + Fr'{path}\n' + fR"""{multi
line}"""
e = f"{f'{inner("deep")}'} {d["k"]}"
g = f"{'a' if cond() else 'b'}" f'{ {"set"} }' f"{lambda_: 1}"
h = f"{x=}" f"{value:{fmt()}}" f"\N{BULLET} {call(1, 2)}"
total = 1 + \
    2 + \
    3
items = [
    1,  # a comment inside brackets
    2,
]
nums = (0x_ff, 0o17, 0b1010, 1_000_000, 3.14, 1e-10, .5, 2j, 1if True else 2)
t = """
def not_a_function():
    pass
"""
def after_strings(x):  return x
