"""The languages of a DOCX brief, as Word reads them.

Word keeps three languages on every run (``w:lang``): ``w:val`` for Latin, Cyrillic and
other scripts written left to right, ``w:eastAsia`` for Chinese, Japanese and Korean,
``w:bidi`` for scripts written right to left.  Screen readers choose their voice, and
Word its proofing, by the one that matches each character's script.  The document's
own language goes into the style defaults (every run inherits it) and into the
settings' theme-font languages; a span in another language sets only the slot of its
own script on its runs, so the text around it keeps the document's.
"""

from __future__ import annotations

from docx.oxml.ns import qn

EAST_ASIAN_LANGUAGES = frozenset({"zh", "ja", "ko", "yue", "wuu", "hak", "nan"})
EAST_ASIAN_SCRIPTS = frozenset({"hans", "hant", "hani", "jpan", "hira", "kana", "kore",
                                "hang"})
RIGHT_TO_LEFT_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv",
                                     "ku", "syr"})
RIGHT_TO_LEFT_SCRIPTS = frozenset({"arab", "hebr", "syrc", "thaa"})
EAST_ASIAN_DEFAULT = "zh-CN"   # the script the CJK face (WenQuanYi Micro Hei) is made for
RIGHT_TO_LEFT_DEFAULT = "ar-SA"   # Word's own
W_LANG, W_VAL, W_EAST_ASIA, W_BIDI = map(qn, ("w:lang", "w:val", "w:eastAsia", "w:bidi"))
# What may follow w:lang in a w:rPr, as the schema orders its children.
AFTER_LANG = tuple(map(qn, ("w:eastAsianLayout", "w:specVanish", "w:oMath", "w:rPrChange")))
# What may follow w:themeFontLang in w:settings.
AFTER_THEME_FONT_LANG = tuple(map(qn, (
    "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures",
    "w:forceUpgrade", "w:captions", "w:readModeInkLockDown", "w:smartTagType",
    "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags", "w:decimalSymbol",
    "w:listSeparator")))


def script_slot(tag: str) -> str:
    """The ``w:lang`` attribute a language tag (BCP 47: "ru", "zh-Hant-TW") belongs in."""
    subtags = tag.lower().replace("_", "-").split("-")
    script = next((s for s in subtags[1:] if len(s) == 4), "")
    if subtags[0] in EAST_ASIAN_LANGUAGES or script in EAST_ASIAN_SCRIPTS:
        return W_EAST_ASIA
    if subtags[0] in RIGHT_TO_LEFT_LANGUAGES or script in RIGHT_TO_LEFT_SCRIPTS:
        return W_BIDI
    return W_VAL


def document_slots(tag: str) -> dict[str, str]:
    """The three languages of a document in ``tag``: its own in every slot of its script
    and in ``w:val`` (Word's language of the document), a default in the others."""
    slots = {W_VAL: tag, W_EAST_ASIA: EAST_ASIAN_DEFAULT, W_BIDI: RIGHT_TO_LEFT_DEFAULT}
    slots[script_slot(tag)] = tag
    return slots


def span_slots(tag: str) -> dict[str, str]:
    """The ``w:lang`` of a run in a span in ``tag``: the slot of its script alone."""
    return {script_slot(tag): tag}


def set_document_language(document, tag: str) -> None:
    """The document in ``tag``: the style defaults' run language (what every run without
    one of its own is read in) and the settings' theme-font languages."""
    rpr = document_default(document, "r")
    _set_lang(rpr, document_slots(tag))
    settings = document.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is None:
        theme_lang = settings.makeelement(qn("w:themeFontLang"), {})
        _insert_before(settings, theme_lang, AFTER_THEME_FONT_LANG)
    theme_lang.attrib.clear()
    theme_lang.attrib.update(document_slots(tag))


def set_run_language(rpr, tag: str) -> None:
    """A run's own language, for a span in another language than the document's."""
    _set_lang(rpr, span_slots(tag))


def _set_lang(rpr, slots: dict[str, str]) -> None:
    lang = rpr.find(W_LANG)
    if lang is None:
        lang = rpr.makeelement(W_LANG, {})
        _insert_before(rpr, lang, AFTER_LANG)
    lang.attrib.clear()
    lang.attrib.update(slots)


def document_default(document, kind: str):
    """The document defaults' ``w:rPr`` (``kind`` "r") or ``w:pPr`` ("p") in
    ``w:docDefaults``, made where a reference document lacks it (``w:rPrDefault``
    first, as the schema orders them)."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = styles.makeelement(qn("w:docDefaults"), {})
        styles.insert(0, defaults)
    holder = defaults.find(qn(f"w:{kind}PrDefault"))
    if holder is None:
        holder = defaults.makeelement(qn(f"w:{kind}PrDefault"), {})
        defaults.insert(0 if kind == "r" else len(defaults), holder)
    properties = holder.find(qn(f"w:{kind}Pr"))
    if properties is None:
        properties = holder.makeelement(qn(f"w:{kind}Pr"), {})
        holder.append(properties)
    return properties


def _insert_before(parent, element, successors: tuple) -> None:
    """Put ``element`` into ``parent`` before the first child the schema has after it."""
    following = next((child for child in parent if child.tag in successors), None)
    if following is None:
        parent.append(element)
    else:
        following.addprevious(element)
