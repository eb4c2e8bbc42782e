from {{ cookiecutter.package_name }}.text.analyzer import analyze, identifiers
from {{ cookiecutter.package_name }}.text.sentences import split_sentences


def test_identifiers_are_kept_whole_and_split():
    terms = analyze("Error E104 on the HX-4200 logger (firmware v3.4.1).")
    assert "hx4200" in terms and "hx" in terms and "4200" in terms
    assert "e104" in terms
    assert "v341" in terms


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


def test_everyday_words_weigh_little_and_distinctive_ones_fully():
    from {{ cookiecutter.package_name }}.text.rarity import FLOOR, specificity

    assert specificity("the") == FLOOR and specificity("long") < 0.2
    assert specificity("sabbatical") > 0.9 and specificity("zk-17") == 1.0
    assert specificity("long") < specificity("kettle") < specificity("zephyr")


def test_terms_keep_the_word_they_came_from():
    from {{ cookiecutter.package_name }}.text.analyzer import analyze_words

    pairs = analyze_words("Kettles at HX-4200 and SHA 256")
    assert ("kettl", "kettles") in pairs and ("hx4200", "hx-4200") in pairs
    assert ("sha256", "sha 256") in pairs


def test_identifiers_match_whatever_their_spelling():
    for a, b in [
        ("SHA-256", "sha256"),
        ("SHA256", "SHA 256"),
        ("E-104", "E104"),
        ("HX-4200", "hx4200"),
    ]:
        assert identifiers(f"What about {a}?") == identifiers(f"Is {b} listed?") != set()
    assert identifiers("Step 2 of the guide") == set()  # a capitalised word is not an id prefix


def test_hard_wrapped_sentences_and_list_items_are_joined_but_code_is_not():
    text = (
        "The copy function is called once for each directory\n"
        "that is copied. It returns the new path.\n"
        "- first item\n"
        "second line of a list\n"
        "```\n"
        "hcctl registry health\n"
        "kubectl get pods\n"
        "```"
    )
    pieces = split_sentences(text)
    assert pieces[0] == "The copy function is called once for each directory that is copied."
    assert "- first item second line of a list" in pieces
    assert "hcctl registry health" in pieces and "kubectl get pods" in pieces
    assert " ".join(pieces).split() == text.split()
