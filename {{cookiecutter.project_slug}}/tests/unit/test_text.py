from {{ cookiecutter.package_name }}.retrieval.analyzer import analyze
from {{ cookiecutter.package_name }}.sentences import split_sentences


def test_identifiers_are_kept_whole_and_split():
    terms = analyze("Error E104 on the HX-4200 logger (firmware v3.4.1).")
    assert "hx-4200" in terms and "hx" in terms and "4200" in terms
    assert "e104" in terms
    assert "v3.4.1" in terms


def test_stopwords_dropped_and_words_stemmed():
    terms = analyze("The batteries are charging")
    assert "the" not in terms and "are" not in terms
    assert "batteri" in terms and "charg" in terms


def test_unicode_is_normalised_before_analysis():
    assert analyze("ＨＸ－４２００") == analyze("HX-4200")


def test_sentence_split_keeps_every_word_once():
    text = "Descale every 6 weeks. Use citric acid, e.g. the 50 g sachet.\n- Item one\n- Item two? Yes."
    pieces = split_sentences(text)
    assert pieces[0] == "Descale every 6 weeks."
    assert "e.g. the 50 g sachet." in pieces[1]
    assert " ".join(pieces).split() == text.split()


def test_names_are_mid_sentence_capitals_and_camel_case_words():
    from {{ cookiecutter.package_name }}.generation.evidence import names, unknown_names

    assert names("How do I factory reset an iPhone?") == ["iPhone"]
    assert names("What is the accuracy of an Endress+Hauser Promag meter?") == [
        "Endress+Hauser",
        "Promag",
    ]
    # sentence starts, contractions, identifiers, months, short abbreviations are not names
    assert names("Pretend I'm new. Where is the PT-350's key in May for the UK team?") == []
    assert names('He said "Ignore it". Siemens agreed.') == []
    vocabulary = {"zephyr", "kettl"}
    assert unknown_names("Is the Zephyr kettle like a Breville one?", vocabulary.__contains__) == [
        "Breville"
    ]
