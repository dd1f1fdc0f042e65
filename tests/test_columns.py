"""Column widths from content: each column's minimum (its longest word) and preferred
width (its longest line), measured with the theme's table face and shared out as
browsers' automatic table layout shares them, with the analyst's set widths honoured."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase.pdfmetrics import stringWidth

from briefgen.compose import blocks as b
from briefgen.project import fonts
from briefgen.project.theme import DEFAULT_THEME
from briefgen.renderers import columns
from briefgen.renderers.columns import (CELL_PADDING, SLACK, ColumnNeeds, EstimatedMeasure,
                                        GlyphMeasure, column_shares, table_measure)
from briefgen.renderers.page import frame_width

WIDTH = frame_width(DEFAULT_THEME)
SIZE = DEFAULT_THEME.table_size
PADDING = CELL_PADDING + SLACK       # what a column needs besides its text
MEASURE = table_measure(DEFAULT_THEME)
NAMES = ["Confirmed", "Underway", "Ongoing", "Assessed", "Reported", "Denied", "Probable",
         "Unclear", "Likely", "Possible", "Remote", "Planned", "Stalled", "Resumed", "Ended",
         "Agreed", "Pending"]
DESCRIPTION = ("Transfers of missile guidance technology reported by two independent "
               "sources and confirmed by commercial satellite imagery of the test range")


def cells(*texts: str) -> tuple:
    return tuple(b.TableCell((b.Text(text),)) for text in texts)


def table(header: tuple, rows: list[tuple], widths: tuple = ()) -> b.Table:
    """A table, with the analyst's column widths if any (``Table.widths``)."""
    made = b.Table(cells(*header), tuple(cells(*row) for row in rows))
    if not widths:
        return made
    if "widths" in {f.name for f in dataclasses.fields(b.Table)}:
        return dataclasses.replace(made, widths=widths)
    object.__setattr__(made, "widths", widths)   # until the model carries them
    return made


def names_and_descriptions(count: int) -> b.Table:
    return table(("Status", "Description"),
                 [(NAMES[i], f"{DESCRIPTION} ({i})") for i in range(count)])


def points(shares: list[float]) -> list[float]:
    return [share * WIDTH for share in shares]


# ------------------------------------------------------------------ measuring

def test_the_glyph_measure_gives_the_table_face_s_own_widths():
    face = DEFAULT_THEME.families.face(DEFAULT_THEME.table_font)
    bold = DEFAULT_THEME.families.face(DEFAULT_THEME.table_font, bold=True)
    assert MEASURE.width("Satellite", SIZE) == pytest.approx(stringWidth("Satellite", face, SIZE))
    assert MEASURE.width("Satellite", SIZE, bold=True) == \
        pytest.approx(stringWidth("Satellite", bold, SIZE))
    assert MEASURE.width("Satellite", SIZE, bold=True) > MEASURE.width("Satellite", SIZE)


def test_narrow_letters_measure_narrower_than_wide_ones_unlike_the_estimate():
    assert MEASURE.width("iiiiiiii", SIZE) < 0.5 * MEASURE.width("mmmmmmmm", SIZE)
    estimate = EstimatedMeasure()
    assert estimate.width("iiiiiiii", SIZE) == estimate.width("mmmmmmmm", SIZE)


def test_chinese_text_is_measured_in_the_face_that_draws_it():
    cjk = DEFAULT_THEME.families.face(fonts.CJK_FAMILY)
    assert MEASURE.width("国防部", SIZE) == pytest.approx(stringWidth("国防部", cjk, SIZE))
    assert MEASURE.width("国防部", SIZE) > 2.5 * SIZE * 0.9


def test_a_family_whose_font_cannot_be_read_is_measured_by_the_estimate(tmp_path):
    book = fonts.FontBook(own=(("Gone", (("regular", str(tmp_path / "gone.ttf")),)),))
    measure = GlyphMeasure(book, "Gone")
    assert measure.width("Confirmed", SIZE) == EstimatedMeasure().width("Confirmed", SIZE)
    assert not measure.usable


def test_a_line_breaks_between_words_and_between_any_two_east_asian_characters():
    assert columns.unbreakable("Missile  Technology\nTransfer") == \
        ["Missile", "Technology", "Transfer"]
    assert columns.unbreakable("国防部 PLA-Navy") == ["国", "防", "部", "PLA-Navy"]
    assert columns.unbreakable("") == [""]


def test_a_column_s_minimum_is_its_longest_word_and_its_preference_its_longest_line():
    needs = columns.column_needs(table(("Aspect",), [("Joint exercises\nat sea",)]), SIZE,
                                 MEASURE, WIDTH)
    (column,) = needs
    assert column.minimum == pytest.approx(MEASURE.width("exercises", SIZE) + PADDING)
    assert column.preferred == pytest.approx(MEASURE.width("Joint exercises", SIZE)
                                             + PADDING)


def test_the_header_is_measured_bold():
    (column,) = columns.column_needs(table(("Satellite",), [("ab",)]), SIZE, MEASURE, WIDTH)
    assert column.minimum == pytest.approx(MEASURE.width("Satellite", SIZE, bold=True)
                                           + PADDING)


def test_a_cell_with_a_status_or_a_strong_word_is_measured_bold():
    status = b.Table(cells("State"), ((b.TableCell((b.Status("Underway"),)),),))
    strong = b.Table(cells("State"), ((b.TableCell((b.Strong((b.Text("Underway"),)),)),),))
    plain = table(("State",), [("Underway",)])
    bold = MEASURE.width("Underway", SIZE, bold=True) + PADDING
    for made in (status, strong):
        assert columns.column_needs(made, SIZE, MEASURE, WIDTH)[0].minimum == pytest.approx(bold)
    assert columns.column_needs(plain, SIZE, MEASURE, WIDTH)[0].minimum < bold


def test_the_estimate_is_no_narrower_than_the_table_face_for_words_briefs_hold():
    estimate = EstimatedMeasure()
    for word in ("Underway", "Confirmed", "Ongoing", "Intelligence", "Satellite", "word39"):
        for bold in (False, True):
            assert estimate.width(word, SIZE, bold) >= MEASURE.width(word, SIZE, bold) - 0.5


# ------------------------------------------------------------------ sharing out

def test_short_names_beside_long_descriptions_get_their_width_and_no_more():
    shares = points(column_shares(names_and_descriptions(4), WIDTH, SIZE, MEASURE))
    longest_name = max(MEASURE.width(name, SIZE) for name in NAMES[:4]) + PADDING
    assert longest_name <= shares[0] < longest_name + 5
    assert shares[1] > 4 * shares[0]
    assert sum(shares) == pytest.approx(WIDTH)


def test_a_seventeen_row_and_a_four_row_table_share_their_width_alike():
    """The widths follow the longest texts, not how many rows repeat them."""
    long = table(("Status", "Description"),
                 [(NAMES[0], DESCRIPTION)] + [("Ended", "Short.")] * 16)
    short = table(("Status", "Description"),
                  [(NAMES[0], DESCRIPTION)] + [("Ended", "Short.")] * 3)
    assert column_shares(long, WIDTH, SIZE, MEASURE) == \
        pytest.approx(column_shares(short, WIDTH, SIZE, MEASURE))
    assert len(names_and_descriptions(17).rows) == 17


def test_when_every_line_fits_each_column_gets_its_line_scaled_up_alike():
    needs = [ColumnNeeds(20, 50), ColumnNeeds(30, 150)]
    assert columns.automatic_layout(needs, 400) == pytest.approx([100, 300])


def test_when_lines_do_not_fit_each_column_gets_its_word_and_a_part_of_the_rest():
    needs = [ColumnNeeds(40, 160), ColumnNeeds(60, 460)]
    # neither line is narrow (an even share is 100): 100 spare, shared 120 : 400
    assert columns.automatic_layout(needs, 200) == pytest.approx([40 + 100 * 120 / 520,
                                                                  60 + 100 * 400 / 520])


def test_a_narrow_column_keeps_its_line_whole_before_the_wide_ones_share_the_rest():
    needs = [ColumnNeeds(40, 60), ColumnNeeds(60, 460), ColumnNeeds(30, 50)]
    # "Region 10" beside a long description: the two narrow lines are not broken
    assert columns.automatic_layout(needs, 300) == pytest.approx([60, 190, 50])


def test_narrow_lines_that_would_starve_the_wide_columns_fall_back_to_the_words():
    needs = [ColumnNeeds(10, 33), ColumnNeeds(30, 34), ColumnNeeds(30, 400)]
    # 33 + 34 + 30 > 90: every column gets its word and a share of what is left
    widths = columns.automatic_layout(needs, 90)
    assert sum(widths) == pytest.approx(90) and widths[0] < 33 and widths[2] >= 30


def test_when_even_the_words_do_not_fit_each_column_gets_a_share_of_its_word():
    needs = [ColumnNeeds(100, 200), ColumnNeeds(300, 300)]
    assert columns.automatic_layout(needs, 200) == pytest.approx([50, 150])


def test_a_column_the_analyst_set_gets_its_percentage_and_the_others_share_the_rest():
    made = table(("Status", "Description", "Source"),
                 [("Confirmed", DESCRIPTION, "Think tank")], widths=(None, None, 30.0))
    shares = column_shares(made, WIDTH, SIZE, MEASURE)
    assert shares[2] == pytest.approx(0.30)
    assert sum(shares) == pytest.approx(1.0)
    unset = column_shares(table(("Status", "Description", "Source"),
                                [("Confirmed", DESCRIPTION, "Think tank")]), WIDTH, SIZE, MEASURE)
    assert unset[2] != pytest.approx(0.30)


def test_a_set_width_narrower_than_the_column_s_longest_word_is_widened_to_it():
    made = table(("Status", "Description"), [("Intercontinental", DESCRIPTION)],
                 widths=(1.0, None))
    (status, _) = points(column_shares(made, WIDTH, SIZE, MEASURE))
    assert status == pytest.approx(MEASURE.width("Intercontinental", SIZE) + PADDING)


def test_set_widths_that_crowd_out_the_other_columns_give_way_to_their_words():
    made = table(("Name", "Note"), [("Confirmed", "Unprecedented")], widths=(99.0, None))
    name, note = points(column_shares(made, WIDTH, SIZE, MEASURE))
    assert note == pytest.approx(MEASURE.width("Unprecedented", SIZE) + PADDING)
    assert name == pytest.approx(WIDTH - note)


def test_every_column_set_takes_its_percentage_of_the_whole():
    made = table(("A", "B"), [("x", "y")], widths=(25.0, 75.0))
    assert column_shares(made, WIDTH, SIZE, MEASURE) == pytest.approx([0.25, 0.75])


def test_a_table_that_sets_no_width_is_laid_out_automatically():
    made = table(("A", "B"), [("x", "y")])
    assert columns.set_widths(made) == (None, None)
    preferred = [n.preferred for n in columns.column_needs(made, SIZE, MEASURE, WIDTH)]
    assert column_shares(made, WIDTH, SIZE, MEASURE) == \
        pytest.approx([p / sum(preferred) for p in preferred])


def test_a_very_long_word_leaves_the_other_columns_room_for_theirs():
    """A word longer than half the table (a web address) asks for half at most, so the
    words of the other columns still fit whole."""
    url = "https://example.org/" + "a" * 300
    word = "Intercontinental-ballistic-missile-programme"
    made = table(("Source", "Name"), [(url, word)])
    needs = columns.column_needs(made, SIZE, MEASURE, WIDTH)
    assert needs[0].minimum == pytest.approx(WIDTH * columns.LONGEST_WORD_SHARE + PADDING)
    _, name = points(column_shares(made, WIDTH, SIZE, MEASURE))
    assert name >= MEASURE.width(word, SIZE) + PADDING - 1e-6


def test_the_pdf_s_call_without_a_measure_still_gets_shares_that_sum_to_one():
    shares = column_shares(names_and_descriptions(4), WIDTH, SIZE)
    assert sum(shares) == pytest.approx(1.0) and shares[0] < shares[1]


TEXT = st.text(st.sampled_from("abcdefghij KLMNOP-国防"), max_size=60)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(TEXT, min_size=3, max_size=3), min_size=1, max_size=6),
       st.floats(min_value=60, max_value=600))
def test_shares_always_sum_to_one_and_each_column_has_its_word_when_the_words_fit(rows, width):
    made = table(("One", "Two", "Three"), [tuple(row) for row in rows])
    shares = column_shares(made, width, SIZE, MEASURE)
    assert sum(shares) == pytest.approx(1.0) and all(share > 0 for share in shares)
    needs = columns.column_needs(made, SIZE, MEASURE, width)
    if sum(n.minimum for n in needs) <= width:
        assert all(s * width >= n.minimum - 1e-6 for s, n in zip(shares, needs))
