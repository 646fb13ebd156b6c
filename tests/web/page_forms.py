"""The forms of a rendered page, as a browser would submit them untouched.

    form = forms_on(page)[0]
    data = form.data()              # {name: [values]}: text, selected options, checked boxes
    client.post(form.action or path, data)

Only what a browser sends is collected: disabled fields and unchecked boxes are left out, a
``<select>`` sends its selected option (or its first one), buttons send nothing unless clicked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class PageForm:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # (name, value) as sent
    names: set[str] = field(default_factory=set)  # every named control, sent or not

    def data(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, value in self.fields:
            out.setdefault(name, []).append(value)
        return out


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self.form: PageForm | None = None
        self.select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self.multiple = False
        self._selected = False
        self.option: str | None = None
        self.textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.form = PageForm(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self.form)
        if self.form is None or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            self.form.names.add(name)
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self.form.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.form.names.add(name)
            self.select = (name, [], [])
            self.multiple = "multiple" in a
        elif tag == "option" and self.select is not None:
            self.option = a.get("value")
            if self.option is not None:
                self._option(self.option, "selected" in a)
                self.option = None
            else:
                self.option = ""
                self._selected = "selected" in a
        elif tag == "textarea" and name:
            self.form.names.add(name)
            self.textarea = (name, [])

    def _option(self, value: str, selected: bool) -> None:
        assert self.select is not None
        self.select[1].append(value)
        if selected:
            self.select[2].append(value)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea[1].append(data)
        elif self.option is not None:
            self.option += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self.option is not None and self.select is not None:
            self._option(self.option.strip(), self._selected)
            self.option = None
        elif tag == "select" and self.select is not None and self.form is not None:
            name, options, selected = self.select
            # A single choice with none selected sends its first option; a multiple one nothing.
            for value in selected or ([] if self.multiple else options[:1]):
                self.form.fields.append((name, value))
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            name, text = self.textarea
            self.form.fields.append((name, "".join(text).removeprefix("\n")))
            self.textarea = None
        elif tag == "form":
            self.form = None


def forms_on(page: str) -> list[PageForm]:
    parser = _Forms()
    parser.feed(page)
    parser.close()
    return parser.forms
