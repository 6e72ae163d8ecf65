"""The syntax of a CEL condition, read by a real tokenizer and parser, and a bound on what it can cost.

The CEL library compiles and runs expressions but offers no syntax tree and no cost estimate, so
the limits that keep a rule from stopping the process are checked here, on a parse of the
expression: every string form (single, double and triple quotes, raw ``r``/``R``, bytes ``b``/``B``,
escapes) is read exactly as CEL reads it, so no string content can hide code from the limits.

:func:`analyse` gives the macros (``all``, ``exists``, ``exists_one``, ``map``, ``filter``) with
their nesting, the depth of the syntax tree, and an upper bound of the evaluation steps and of the
size of every value the expression can build, given the largest input the contract allows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import contract

#: Macros that loop over a list or map; their cost is the size of what they loop over times their body.
COMPREHENSIONS = ("all", "exists", "exists_one", "map", "filter")

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(
    r"0[xX][0-9a-fA-F]+[uU]?"
    r"|(?:[0-9]+\.[0-9]+|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    r"|[0-9]+[eE][+-]?[0-9]+"
    r"|[0-9]+[uU]?"
)
_SPACE = re.compile(r"(?:[ \t\r\n\f]+|//[^\n]*)+")
_PUNCTUATION = (
    "||",
    "&&",
    "==",
    "!=",
    "<=",
    ">=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "!",
    "?",
    ":",
    ".",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
)
#: The prefixes CEL accepts before a quote (bytes first, then raw: ``br"…"``, never ``rb"…"``).
_PREFIXES = ("br", "bR", "Br", "BR", "b", "B", "r", "R")
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
    "?": "?",
}
_RESERVED = frozenset(
    {
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    }
)


class SyntaxProblem(ValueError):
    """The expression is not CEL this engine accepts; ``offset`` is where the reading stopped."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class TooDeep(SyntaxProblem):
    """The expression nests brackets deeper than allowed (found while reading, before any recursion limit)."""


@dataclass(frozen=True)
class Token:
    """One token: its kind (``ident``, ``number``, ``string``, ``bytes`` or the punctuation itself)."""

    kind: str
    text: str
    start: int
    end: int
    value: Any = None


def _string_at(source: str, start: int) -> Token | None:
    """The string or bytes literal that starts at ``start`` (with its prefix), or None if none does."""
    prefix = ""
    for candidate in _PREFIXES:
        after = start + len(candidate)
        if source.startswith(candidate, start) and after < len(source) and source[after] in "\"'":
            prefix = candidate
            break
    position = start + len(prefix)
    if position >= len(source) or source[position] not in "\"'":
        return None
    raw = "r" in prefix.lower()
    is_bytes = "b" in prefix.lower()
    quote = source[position] * 3 if source.startswith(source[position] * 3, position) else source[position]
    position += len(quote)
    chunks: list[str] = []
    while True:
        if position >= len(source):
            raise SyntaxProblem("a string is not closed", start)
        if source.startswith(quote, position):
            position += len(quote)
            break
        char = source[position]
        if char == "\n" and len(quote) == 1:
            raise SyntaxProblem("a string in single quotes ends at the end of the line; use triple quotes", start)
        if char == "\\" and not raw:
            decoded, position = _escape(source, position, is_bytes, start)
            chunks.append(decoded)
            continue
        chunks.append(char)
        position += 1
    text = "".join(chunks)
    if is_bytes:
        return Token("bytes", source[start:position], start, position, _to_bytes(text))
    return Token("string", source[start:position], start, position, text)


def _escape(source: str, position: int, is_bytes: bool, start: int) -> tuple[str, int]:
    """Decode the escape sequence at ``position`` (a backslash); bytes keep ``\\x``/octal as raw bytes."""
    following = source[position + 1 : position + 2]
    if following in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[following], position + 2
    for letter, digits in (("x", 2), ("X", 2), ("u", 4), ("U", 8)):
        if following == letter:
            if is_bytes and letter in "uU":
                break
            code = source[position + 2 : position + 2 + digits]
            if len(code) != digits or not re.fullmatch(r"[0-9a-fA-F]+", code):
                raise SyntaxProblem("an escape sequence in a string is incomplete", start)
            number = int(code, 16)
            if letter in "uU" and (0xD800 <= number <= 0xDFFF or number > 0x10FFFF):
                raise SyntaxProblem("an escape sequence in a string is not a valid character", start)
            return (_byte(number) if is_bytes else chr(number)), position + 2 + digits
    octal = source[position + 1 : position + 4]
    if re.fullmatch(r"[0-3][0-7][0-7]", octal):
        number = int(octal, 8)
        return (_byte(number) if is_bytes else chr(number)), position + 4
    raise SyntaxProblem("a string contains an unknown escape sequence (a backslash CEL does not know)", start)


#: Bytes written as ``\xHH`` or octal are kept apart from text (decoded to UTF-8 at the end).
_BYTE_BASE = 0xF0000


def _byte(number: int) -> str:
    return chr(_BYTE_BASE + number)


def _to_bytes(text: str) -> bytes:
    out = bytearray()
    for char in text:
        code = ord(char)
        if _BYTE_BASE <= code <= _BYTE_BASE + 0xFF:
            out.append(code - _BYTE_BASE)
        else:
            out.extend(char.encode("utf-8"))
    return bytes(out)


def tokenize(source: str) -> list[Token]:
    """The tokens of an expression (comments and white space skipped); :class:`SyntaxProblem` if it cannot."""
    tokens: list[Token] = []
    position = 0
    length = len(source)
    while position < length:
        space = _SPACE.match(source, position)
        if space:
            position = space.end()
            continue
        literal = _string_at(source, position)
        if literal is not None:
            tokens.append(literal)
            position = literal.end
            continue
        char = source[position]
        if char.isdigit() or (char == "." and source[position + 1 : position + 2].isdigit()):
            number = _NUMBER.match(source, position)
            if number:
                tokens.append(Token("number", number.group(0), position, number.end()))
                position = number.end()
                continue
        ident = _IDENT.match(source, position)
        if ident:
            tokens.append(Token("ident", ident.group(0), position, ident.end()))
            position = ident.end()
            continue
        for punctuation in _PUNCTUATION:
            if source.startswith(punctuation, position):
                tokens.append(Token(punctuation, punctuation, position, position + len(punctuation)))
                position += len(punctuation)
                break
        else:
            raise SyntaxProblem(f"unexpected character {char!r}", position)
    return tokens


def code_only(source: str) -> str:
    """The expression with the insides of its string literals and its comments blanked (positions kept).

    What remains is code only, so a search in it can never match inside a string.
    """
    out = ["\n" if char == "\n" else " " for char in source]
    for token in tokenize(source):
        if token.kind in ("string", "bytes"):
            out[token.start] = out[token.end - 1] = '"'
        else:
            out[token.start : token.end] = token.text
    return "".join(out)


# -- the syntax tree ------------------------------------------------------------------------------


@dataclass
class Node:
    """A node of the syntax tree: ``kind`` names it, ``children`` are its operands, ``value`` the rest."""

    kind: str  # literal, ident, select, index, call, list, map, comprehension
    start: int
    value: Any = None
    children: list[Node] = field(default_factory=list)
    #: A comprehension's variable, or a call's receiver-style flag.
    variable: str | None = None


class _Reader:
    """Recursive descent over CEL's grammar; bracket nesting is counted so depth is refused, not overflowed."""

    def __init__(self, source: str, max_nesting: int) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.position = 0
        self.nesting = 0
        self.deepest = 0
        self.max_nesting = max_nesting

    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at(self, *kinds: str) -> bool:
        token = self.peek()
        return token is not None and (token.kind in kinds or (token.kind == "ident" and token.text in kinds))

    def take(self, kind: str) -> Token:
        token = self.peek()
        if token is None or not (token.kind == kind or (token.kind == "ident" and token.text == kind)):
            where = token.start if token else len(self.source)
            found = repr(token.text) if token else "the end"
            raise SyntaxProblem(f"expected {kind!r}, found {found}", where)
        self.position += 1
        return token

    def enter(self, offset: int) -> None:
        self.nesting += 1
        self.deepest = max(self.deepest, self.nesting)
        if self.nesting > self.max_nesting:
            raise TooDeep(f"the condition nests brackets deeper than {self.max_nesting} levels", offset)

    def leave(self) -> None:
        self.nesting -= 1

    def whole(self) -> Node:
        if not self.tokens:
            raise SyntaxProblem("the condition is empty", 0)
        node = self.expression()
        token = self.peek()
        if token is not None:
            raise SyntaxProblem(f"unexpected {token.text!r}", token.start)
        return node

    def expression(self) -> Node:
        condition = self.binary(0)
        if self.at("?"):
            start = self.take("?").start
            yes = self.binary(0)
            self.take(":")
            self.enter(start)
            no = self.expression()
            self.leave()
            return Node("call", start, "_?_:_", [condition, yes, no])
        return condition

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",),
        ("&&",),
        ("<", "<=", ">=", ">", "==", "!=", "in"),
        ("+", "-"),
        ("*", "/", "%"),
    )

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        operators = self._LEVELS[level]
        while True:
            token = self.peek()
            if token is None or not (token.kind in operators or (token.kind == "ident" and token.text in operators)):
                return left
            self.position += 1
            right = self.binary(level + 1)
            left = Node("call", token.start, f"_{token.text}_", [left, right])

    def unary(self) -> Node:
        operators = []
        while self.at("!", "-"):
            operators.append(self.take(self.peek().kind))  # type: ignore[union-attr]
        node = self.member()
        for token in reversed(operators):
            node = Node("call", token.start, f"{token.text}_", [node])
        return node

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.at("."):
                self.take(".")
                name = self.take("ident")
                if self.at("("):
                    arguments = self.arguments("(", ")")
                    node = self.method(node, name, arguments)
                else:
                    node = Node("select", name.start, name.text, [node])
            elif self.at("["):
                start = self.take("[").start
                self.enter(start)
                index = self.expression()
                self.take("]")
                self.leave()
                node = Node("index", start, None, [node, index])
            else:
                return node

    def method(self, target: Node, name: Token, arguments: list[Node]) -> Node:
        if name.text in COMPREHENSIONS:
            expected = (2, 3) if name.text == "map" else (2,)
            if len(arguments) not in expected or arguments[0].kind != "ident":
                raise SyntaxProblem(f"{name.text}() takes a variable name and an expression", name.start)
            return Node("comprehension", name.start, name.text, [target, *arguments[1:]], arguments[0].value)
        return Node("call", name.start, name.text, [target, *arguments], "receiver")

    def arguments(self, opening: str, closing: str) -> list[Node]:
        start = self.take(opening).start
        self.enter(start)
        found: list[Node] = []
        while not self.at(closing):
            found.append(self.expression())
            if not self.at(","):
                break
            self.take(",")
        self.take(closing)
        self.leave()
        return found

    def primary(self) -> Node:
        token = self.peek()
        if token is None:
            raise SyntaxProblem("the condition ends too early", len(self.source))
        if token.kind in ("string", "bytes"):
            self.position += 1
            return Node("literal", token.start, token.value)
        if token.kind == "number":
            self.position += 1
            return Node("literal", token.start)
        if token.kind == "(":
            self.take("(")
            self.enter(token.start)
            node = self.expression()
            self.take(")")
            self.leave()
            return node
        if token.kind == "[":
            return Node("list", token.start, None, self.arguments("[", "]"))
        if token.kind == "{":
            return Node("map", token.start, None, self.entries())
        if token.kind == ".":
            self.take(".")
            token = self.peek() or token
        if token.kind == "ident":
            self.position += 1
            if token.text in ("true", "false", "null"):
                return Node("literal", token.start)
            if token.text in _RESERVED or token.text == "in":
                raise SyntaxProblem(f"'{token.text}' is a reserved word", token.start)
            if self.at("("):
                arguments = self.arguments("(", ")")
                return Node("call", token.start, token.text, arguments)
            if self.at("{"):
                return Node("map", token.start, token.text, self.entries(fields=True))
            return Node("ident", token.start, token.text)
        raise SyntaxProblem(f"unexpected {token.text!r}", token.start)

    def entries(self, *, fields: bool = False) -> list[Node]:
        start = self.take("{").start
        self.enter(start)
        found: list[Node] = []
        while not self.at("}"):
            key = Node("literal", self.peek().start, self.take("ident").text) if fields else self.expression()  # type: ignore[union-attr]
            self.take(":")
            found.extend((key, self.expression()))
            if not self.at(","):
                break
            self.take(",")
        self.take("}")
        self.leave()
        return found


def parse(source: str, *, max_nesting: int = 10_000) -> Node:
    """The syntax tree of an expression; :class:`SyntaxProblem` (or :class:`TooDeep`) if it is not CEL."""
    return _Reader(source, max_nesting).whole()


def walk(node: Node) -> Iterator[tuple[Node, int]]:
    """Every node with its depth in the tree (without recursion: chains of ``||`` can be long)."""
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        yield current, depth
        stack.extend((child, depth + 1) for child in current.children)


def macro_variables(tree: Node) -> set[str]:
    """The names the macros of a tree bind (``t`` in ``tools.exists(t, …)``)."""
    return {node.variable for node, _level in walk(tree) if node.kind == "comprehension" and node.variable}


# -- cost ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """An upper bound of a value's size: its length (items, entries or characters) and that of its items."""

    length: int = 1
    item: Shape | None = None

    @property
    def weight(self) -> int:
        """An upper bound of the value's total size (what comparing or copying it costs)."""
        return self.length * (self.item.weight if self.item else 1)


_SCALAR = Shape()


def _join(first: Shape | None, second: Shape | None) -> Shape | None:
    if first is None or second is None:
        return first or second
    return Shape(max(first.length, second.length), _join(first.item, second.item))


def shape_of(value: Any) -> Shape:
    """The exact shape of a plain value (a constant of the bundle)."""
    if isinstance(value, str | bytes):
        return Shape(max(1, len(value)))
    if isinstance(value, list | tuple):
        item: Shape | None = None
        for element in value:
            item = _join(item, shape_of(element))
        return Shape(max(1, len(value)), item)
    if isinstance(value, Mapping):
        item = None
        for key, element in value.items():
            item = _join(item, _join(shape_of(key), shape_of(element)))
        return Shape(max(1, len(value)), item)
    return _SCALAR


def input_shapes() -> dict[str, Shape]:
    """The largest value of every input the contract allows."""
    shapes: dict[str, Shape] = {}
    for spec in contract.FACT_SPECS:
        longest = Shape(max(len(code) for code in spec.accepted))
        shapes[spec.name] = Shape(len(spec.accepted), longest) if spec.multiple else longest
    field_shape: Shape | None = Shape(len(contract.TOOL_FIELDS))  # a tool's field names
    for name, kind in contract.TOOL_FIELDS.items():
        if isinstance(kind, tuple):
            field_shape = _join(field_shape, Shape(max(len(code) for code in kind)))
        elif kind is str:
            field_shape = _join(field_shape, Shape(contract.MAX_TEXT))
        field_shape = _join(field_shape, Shape(len(name)))
    shapes["tools"] = Shape(contract.MAX_TOOLS, Shape(len(contract.TOOL_FIELDS), field_shape))
    shapes["unit"] = Shape(contract.MAX_TEXT)
    shapes["stage"] = Shape(max(len(stage) for stage in contract.STAGES))
    return shapes


@dataclass(frozen=True)
class Analysis:
    """What the limits look at: macros and their nesting, the tree's depth, the bound of steps and size."""

    macros: int
    macro_nesting: int
    depth: int
    bracket_nesting: int
    cost: int
    largest: int
    #: Names bound by macros (``t`` in ``tools.exists(t, …)``).
    bound: frozenset[str]


def analyse(
    source: str, constants: Mapping[str, Any] | None = None, *, max_nesting: int = 10_000, max_depth: int = 200
) -> Analysis:
    """Parse ``source`` and bound its cost on the largest input the contract allows (and these constants).

    :class:`TooDeep` if brackets nest deeper than ``max_nesting`` or the tree is deeper than ``max_depth``.
    """
    reader = _Reader(source, max_nesting)
    tree = reader.whole()
    depth, deepest = max((level, node.start) for node, level in walk(tree))
    if depth > max_depth:
        raise TooDeep(
            f"the condition is nested {depth} levels deep (at most {max_depth}); split it into rules "
            "or use a list with 'in'",
            deepest,
        )
    macros = [node for node, _level in walk(tree) if node.kind == "comprehension"]
    shapes = input_shapes()
    for name, value in (constants or {}).items():
        shapes[name] = shape_of(value)
    meter = _Meter()
    # The tree's depth is bounded by the caller before costing; costing recurses once per level.
    cost, _shape = meter.cost(tree, shapes, 0)
    return Analysis(
        macros=len(macros),
        macro_nesting=meter.deepest_macro,
        depth=depth,
        bracket_nesting=reader.deepest,
        cost=cost,
        largest=meter.largest,
        bound=frozenset(macro_variables(tree)),
    )


def tree_depth(source: str, *, max_nesting: int = 10_000) -> int:
    """The depth of the syntax tree (an operator chain ``a || b || c`` counts one level per operator)."""
    return max(level for _node, level in walk(parse(source, max_nesting=max_nesting)))


#: Beyond this, a bound is only "too large": numbers stay small however large the expression is.
_CAP = 10**15


class _Meter:
    """Upper bounds of steps and sizes, node by node."""

    def __init__(self) -> None:
        self.largest = 1
        self.deepest_macro = 0

    def cost(self, node: Node, shapes: Mapping[str, Shape], macro_level: int) -> tuple[int, Shape]:
        cost, shape = self._cost(node, shapes, macro_level)
        cost = min(cost, _CAP)
        self.largest = min(_CAP, max(self.largest, shape.weight))
        return cost, shape

    def _cost(self, node: Node, shapes: Mapping[str, Shape], macro_level: int) -> tuple[int, Shape]:
        kind = node.kind
        if kind == "literal":
            value = node.value
            return 1, Shape(max(1, len(value))) if isinstance(value, str | bytes) else _SCALAR
        if kind == "ident":
            return 1, shapes.get(node.value, Shape(contract.MAX_TEXT))
        parts = [self.cost(child, shapes, macro_level) for child in node.children] if kind != "comprehension" else []
        steps = sum(cost for cost, _shape in parts)
        if kind in ("select", "index"):
            target = parts[0][1]
            return steps + 1 + (parts[1][1].weight if kind == "index" else 0), target.item or _SCALAR
        if kind in ("list", "map"):
            items: Shape | None = None
            for _cost, shape in parts:
                items = _join(items, shape)
            count = len(parts) // 2 if kind == "map" else len(parts)
            return steps + len(parts) + 1, Shape(max(1, count), items)
        if kind == "comprehension":
            return self._comprehension(node, shapes, macro_level)
        return self._call(node.value, steps, [shape for _cost, shape in parts])

    def _comprehension(self, node: Node, shapes: Mapping[str, Shape], macro_level: int) -> tuple[int, Shape]:
        level = macro_level + 1
        self.deepest_macro = max(self.deepest_macro, level)
        range_cost, range_shape = self.cost(node.children[0], shapes, macro_level)
        inner = dict(shapes)
        inner[node.variable or ""] = range_shape.item or _SCALAR
        body = [self.cost(child, inner, level) for child in node.children[1:]]
        per_item = sum(cost for cost, _shape in body) + 1
        total = range_cost + range_shape.length * per_item
        if node.value == "map":
            return total + range_shape.length, Shape(range_shape.length, body[-1][1])
        if node.value == "filter":
            return total + range_shape.length, range_shape
        return total, _SCALAR

    @staticmethod
    def _call(function: str, steps: int, shapes: list[Shape]) -> tuple[int, Shape]:
        if function in ("_+_",):
            first, second = shapes
            joined = Shape(first.length + second.length, _join(first.item, second.item))
            return steps + joined.weight, joined
        if function in ("_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_"):
            return steps + shapes[0].weight + shapes[1].weight, _SCALAR
        if function == "_in_":
            return steps + shapes[1].length * (shapes[0].weight + 1), _SCALAR
        if function in ("matches", "contains", "startsWith", "endsWith"):
            return steps + (shapes[0].weight + 1) * (shapes[-1].weight + 1), _SCALAR
        if function == "_?_:_":
            return steps + 1, _join(shapes[1], shapes[2]) or _SCALAR
        if function in (
            "size",
            "has",
            "_&&_",
            "_||_",
            "!_",
            "-_",
            "_-_",
            "_*_",
            "_/_",
            "_%_",
            "int",
            "uint",
            "double",
            "bool",
            "type",
        ):
            return steps + 1, _SCALAR
        # Anything else (string(), dyn(), timestamps …) may copy or build from all its operands.
        total: Shape | None = None
        for shape in shapes:
            total = Shape(shape.weight + (total.length if total else 0))
        return steps + (total.weight if total else 1), total or _SCALAR
