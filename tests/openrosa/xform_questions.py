"""What a browser filler needs to know of a downloaded XForm: its questions in order, their kind and label.

Both clients render from the XForm alone, so the test reads the same bytes they got: Enketo names each input
after its node path, Web Forms only shows the label (in the form's default language), so a question is found
by its path in one and by its label in the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree

NS = {
    "x": "http://www.w3.org/2002/xforms",
    "h": "http://www.w3.org/1999/xhtml",
    "jr": "http://openrosa.org/javarosa",
}
_X = "{http://www.w3.org/2002/xforms}"


@dataclass(frozen=True)
class Question:
    path: str  # /data/household/members
    name: str  # members
    control: str  # input, select1, select, upload
    datatype: str  # int, string, geopoint, binary, …
    label: str  # in the default language
    repeat: str | None  # path of the enclosing repeat, if any
    appearance: str
    itemset: str  # the secondary instance its choices come from ("households" for the CSV), or ""


def _default_labels(root: ElementTree.Element) -> dict[str, str]:
    translations = root.findall(".//x:itext/x:translation", NS)
    chosen = next((t for t in translations if t.get("default")), translations[0] if translations else None)
    labels: dict[str, str] = {}
    if chosen is not None:
        for text in chosen.findall("x:text", NS):
            value = text.find("x:value", NS)
            labels[text.get("id", "")] = "".join(value.itertext()).strip() if value is not None else ""
    return labels


def questions(xform: bytes) -> list[Question]:
    root = ElementTree.fromstring(xform)
    itext = _default_labels(root)
    binds = {bind.get("nodeset"): bind for bind in root.iter(f"{_X}bind")}
    found: list[Question] = []

    def label_of(control: ElementTree.Element) -> str:
        label = control.find("x:label", NS)
        if label is None:
            return ""
        ref = label.get("ref", "")
        if ref.startswith("jr:itext('"):
            return itext.get(ref[len("jr:itext('") : -2], "")
        return "".join(label.itertext()).strip()

    def walk(element: ElementTree.Element, repeat: str | None) -> None:
        for child in element:
            tag = child.tag.removeprefix(_X)
            if tag == "repeat":
                walk(child, child.get("nodeset"))
            elif tag == "group":
                walk(child, repeat)
            elif tag in {"input", "select1", "select", "upload"}:
                path = child.get("ref", "")
                bind = binds.get(path)
                itemset = child.find("x:itemset", NS)
                source = itemset.get("nodeset", "") if itemset is not None else ""
                found.append(
                    Question(
                        path=path,
                        name=path.rsplit("/", 1)[-1],
                        control=tag,
                        datatype=(bind.get("type") if bind is not None else None) or "string",
                        label=label_of(child),
                        repeat=repeat,
                        appearance=child.get("appearance", ""),
                        itemset=source.split("'")[1] if source.startswith("instance('") else "",
                    )
                )

    body = root.find("h:body", NS)
    assert body is not None, "an XForm has a body"
    walk(body, None)
    return found


def by_name(xform: bytes) -> dict[str, Question]:
    return {question.name: question for question in questions(xform)}
