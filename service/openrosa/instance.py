"""Reading a submitted instance XML (what Collect, Enketo and Web Forms post as `xml_submission_file`).

Parsed with defusedxml: entity declarations (an XML bomb, an external entity) are refused, not expanded. Element
names are compared by local name, so a client that keeps the XForms default namespace on the record (or
`orx:meta`) reads the same as Collect's unqualified elements.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DefusedXmlException

from service import errors

# instanceIDs that are not `uuid:<uuid>` become a name-based UUID under this namespace (with the form id).
INSTANCE_NAMESPACE = uuid.UUID("6f2b3d1e-8c1a-4c55-9d8e-0b7e4b1c2a90")
MAX_INSTANCE_ID = 200


@dataclass(frozen=True, slots=True)
class Instance:
    root: ElementTree.Element
    form_id: str
    version: str
    instance_id: str
    deprecated_id: str | None


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def child(element: ElementTree.Element, name: str) -> ElementTree.Element | None:
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [item for item in element if local(item.tag) == name]


def text_of(element: ElementTree.Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    value = element.text.strip()
    return value or None


def parse_instance(data: bytes) -> Instance:
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ValueError) as exc:
        raise errors.DomainError(
            errors.OPENROSA_BAD_XML,
            errors.OPENROSA_BAD_XML.title_vi,
            f"The XML declares entities or a DTD, which are refused: {type(exc).__name__}",
        ) from None
    except ElementTree.ParseError as exc:
        raise errors.DomainError(errors.OPENROSA_BAD_XML, errors.OPENROSA_BAD_XML.title_vi, str(exc)) from None
    if child(root, "base64EncryptedKey") is not None or child(root, "encryptedXmlFile") is not None:
        raise errors.DomainError(errors.OPENROSA_ENCRYPTED)
    form_id = root.get("id")
    version = root.get("version")
    if not form_id or version is None:
        raise errors.DomainError(
            errors.OPENROSA_FORM_UNKNOWN,
            "Phiếu không ghi biểu mẫu và phiên bản (thuộc tính id, version).",
            "The instance root has no id or version attribute.",
        )
    meta = child(root, "meta")
    instance_id = text_of(child(meta, "instanceID")) if meta is not None else None
    instance_id = instance_id or root.get("instanceID")
    if not instance_id or len(instance_id) > MAX_INSTANCE_ID:
        raise errors.DomainError(errors.OPENROSA_NO_INSTANCE_ID)
    deprecated = text_of(child(meta, "deprecatedID")) if meta is not None else None
    return Instance(root, form_id, version, instance_id, deprecated)


def visit_id_for(form_id: str, instance_id: str) -> uuid.UUID:
    """`uuid:<uuid>` is the visit id (as Collect makes them); anything else a name-based UUID of form and id."""
    raw = instance_id.removeprefix("uuid:")
    if raw != instance_id:
        try:
            return uuid.UUID(raw)
        except ValueError:
            pass
    return uuid.uuid5(INSTANCE_NAMESPACE, f"{form_id}\n{instance_id}")
