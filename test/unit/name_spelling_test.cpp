#include "core/name_spelling.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/batch_planner.hpp"
#include "core/person_names.hpp"

using namespace cdccraft;

namespace {

std::vector<std::pair<NamePool, size_t>> every_entry() {
    std::vector<std::pair<NamePool, size_t>> entries;
    for (size_t i = 0; i < kGivenNameCount; ++i) entries.emplace_back(NamePool::Given, i);
    for (size_t i = 0; i < kSurnameCount; ++i) entries.emplace_back(NamePool::Surname, i);
    return entries;
}

RunConfig small_run(uint64_t seed) {
    RunConfig c;
    c.seed = seed;
    c.total_records = 20000;
    c.batch_size = 200;
    c.snapshot_rows = 300;
    c.evolution_interval = 5;
    c.evolution_probability = 1.0;
    validate(c);
    return c;
}

// Given names contain no space, so a customer_name splits at its first.
std::pair<std::string_view, std::string_view> halves(std::string_view name) {
    const size_t space = name.find(' ');
    return {name.substr(0, space), name.substr(space + 1)};
}

}  // namespace

TEST(AsciiSpelling, EveryPoolEntryHasOneWithoutReplacement) {
    const NameSpellings names;
    for (auto [pool, i] : every_entry()) {
        const std::string_view name = names.name(pool, i);
        const std::string folded = ascii_spelling(name);
        EXPECT_TRUE(is_ascii(folded)) << name;
        // A '?' would mean a letter the fold does not know, or invalid UTF-8.
        EXPECT_EQ(folded.find('?'), std::string::npos) << name << " folds to " << folded;
        EXPECT_FALSE(folded.empty()) << name;
        if (is_ascii(name)) {
            EXPECT_EQ(folded, name);
        }
    }
}

// What the fold makes of every entry of the pools that is not ASCII.
TEST(AsciiFold, SpellsThePoolsNamesWithoutTheirMarks) {
    const std::pair<std::string_view, std::string_view> expected[] = {
        {"José", "Jose"},
        {"María", "Maria"},
        {"Lucía", "Lucia"},
        {"Sofía", "Sofia"},
        {"João", "Joao"},
        {"François", "Francois"},
        {"Amélie", "Amelie"},
        {"Chloé", "Chloe"},
        {"Hélène", "Helene"},
        {"Jürgen", "Jurgen"},
        {"Björn", "Bjorn"},
        {"Åsa", "Asa"},
        {"Søren", "Soren"},
        {"Zoë", "Zoe"},
        {"Seán", "Sean"},
        {"Siobhán", "Siobhan"},
        {"Yılmaz", "Yilmaz"},
        {"Fernández", "Fernandez"},
        {"González", "Gonzalez"},
        {"Muñoz", "Munoz"},
        {"Álvarez", "Alvarez"},
        {"Lefèvre", "Lefevre"},
        {"Müller", "Muller"},
        {"Schäfer", "Schafer"},
        {"Weiß", "Weiss"},
        {"Jørgensen", "Jorgensen"},
        {"Wiśniewska", "Wisniewska"},
        {"Ní Bhriain", "Ni Bhriain"},
        {"García-Márquez", "Garcia-Marquez"},
        {"Zoe\u0308", "Zoe"},
        {"Jose\u0301", "Jose"},
        {"芳", "Fang"},
        {"さくら", "Sakura"},
        {"민준", "Minjun"},
        {"محمد", "Muhammad"},
        {"فاطمة", "Fatima"},
        {"נועה", "Noa"},
        {"Дмитрий", "Dmitriy"},
        {"Αλέξανδρος", "Alexandros"},
        {"Ana\U0001F338", "Ana"},
        {"王", "Wang"},
        {"李", "Li"},
        {"\U00020BB7野", "Yoshino"},
        {"김", "Kim"},
        {"العلي", "Al-Ali"},
        {"כהן", "Cohen"},
        {"Иванова", "Ivanova"},
        {"Παπαδάκη", "Papadaki"},
    };
    size_t non_ascii = 0;
    const NameSpellings names;
    for (auto [pool, i] : every_entry()) non_ascii += !is_ascii(names.name(pool, i));
    EXPECT_EQ(non_ascii, sizeof(expected) / sizeof(expected[0])) << "a name was added to the pools: list it here";
    for (const auto& [name, folded] : expected) EXPECT_EQ(ascii_spelling(name), folded) << name;
}

TEST(AsciiFold, DropsCombiningMarks) {
    EXPECT_EQ(ascii_fold("Zoe\u0308 Jose\u0301 Nguye\u0302\u0303n"), "Zoe Jose Nguyen");
    EXPECT_EQ(ascii_fold("Ana\U0001F338"), "Ana?") << "an emoji has no folding; its romanization drops it";
}

TEST(PersonNames, MixScriptsAndWidths) {
    bool four_bytes = false, right_to_left = false, cjk = false, combining = false;
    const NameSpellings names;
    for (auto [pool, i] : every_entry()) {
        const std::string_view name = names.name(pool, i);
        for (size_t b = 0; b < name.size(); ++b) {
            const auto byte = static_cast<unsigned char>(name[b]);
            four_bytes |= byte >= 0xF0;
            right_to_left |= byte == 0xD7 || byte == 0xD8 || byte == 0xD9;  // Hebrew and Arabic
            cjk |= byte == 0xE4 || byte == 0xE7 || byte == 0xEA || byte == 0xEB;
            combining |= byte == 0xCC && b + 1 < name.size();
        }
    }
    EXPECT_TRUE(four_bytes && right_to_left && cjk && combining);
}

TEST(AsciiFold, LeavesAsciiUnchanged) {
    std::string every_ascii;
    for (int c = 0; c < 0x80; ++c) every_ascii.push_back(static_cast<char>(c));
    EXPECT_EQ(ascii_fold(every_ascii), every_ascii);
    EXPECT_EQ(ascii_fold("O'Brien Smith-Jones"), "O'Brien Smith-Jones");
    EXPECT_EQ(ascii_fold(""), "");
}

TEST(AsciiFold, IsDeterministicAndMarksWhatItCannotSpell) {
    for (auto [pool, i] : every_entry()) {
        const NameSpellings names;
        EXPECT_EQ(ascii_fold(names.name(pool, i)), ascii_fold(names.name(pool, i)));
    }
    EXPECT_EQ(ascii_fold("Ștefan Țurcanu"), "Stefan Turcanu");
    EXPECT_EQ(ascii_fold("Œdipe Þór Łukasz Đorđe"), "OEdipe THor Lukasz Dorde");
    EXPECT_EQ(ascii_fold("王 Wang"), "? Wang");
    EXPECT_EQ(ascii_fold("2×3"), "2?3");
    // Invalid UTF-8: a lone continuation byte, a truncated sequence, an
    // overlong '/', a surrogate; each byte becomes one mark.
    EXPECT_EQ(ascii_fold("a\x80z"), "a?z");
    EXPECT_EQ(ascii_fold("M\xC3"), "M?");
    EXPECT_EQ(ascii_fold("\xC0\xAF"), "??");
    EXPECT_EQ(ascii_fold("\xED\xA0\x80"), "???");
}

TEST(NameSpellings, StartAsThePoolsAndTakeNewSpellings) {
    NameSpellings names;
    EXPECT_EQ(names.size(NamePool::Given), kGivenNameCount);
    EXPECT_EQ(names.size(NamePool::Surname), kSurnameCount);
    for (auto [pool, i] : every_entry()) EXPECT_EQ(names.spelling(pool, i), names.name(pool, i));
    EXPECT_EQ(names.respelled(), 0u);

    // Respell everything, then check every earlier spelling is still intact.
    for (auto [pool, i] : every_entry())
        names.respell(pool, i, (pool == NamePool::Given ? "g" : "s") + std::to_string(i));
    for (auto [pool, i] : every_entry())
        EXPECT_EQ(names.spellings(pool)[i], (pool == NamePool::Given ? "g" : "s") + std::to_string(i));
    EXPECT_EQ(names.respelled(), kGivenNameCount + kSurnameCount);

    // Spelling an entry as in its pool again counts it as not respelled.
    names.respell(NamePool::Surname, 0, names.name(NamePool::Surname, 0));
    EXPECT_EQ(names.respelled(), kGivenNameCount + kSurnameCount - 1);
    EXPECT_THROW(names.respell(NamePool::Given, kGivenNameCount, "x"), std::out_of_range);
}

TEST(NameSpellings, AsciiRespellingChangesOnlyTheNamesThatAreNotAscii) {
    NameSpellings names;
    size_t not_ascii = 0;
    for (auto [pool, i] : every_entry()) {
        names.respell_ascii(pool, i);
        EXPECT_TRUE(is_ascii(names.spelling(pool, i)));
        not_ascii += !is_ascii(names.name(pool, i));
    }
    EXPECT_EQ(names.respelled(), not_ascii);
}

// Spellings change what a name looks like, never which name a row draws:
// with every entry respelled as its index, each row's name gives back the
// very pool entries the unchanged run wrote, and every other value matches.
TEST(NameSpellings, RespellingChangesNoDrawOfTheRun) {
    BatchPlanner plain(small_run(31));
    BatchPlanner marked(small_run(31));
    NameSpellings& marks = marked.name_spellings_before_planning();
    for (auto [pool, i] : every_entry()) marks.respell(pool, i, std::to_string(i));
    const NameSpellings& names = plain.name_spellings();

    auto same_values = [&](const ColumnValues& a, const ColumnValues& b, ColumnId column) {
        ASSERT_EQ(a.ints, b.ints);
        ASSERT_EQ(a.floats, b.floats);
        ASSERT_EQ(a.bools, b.bools);
        ASSERT_EQ(a.size(), b.size());
        if (column_spec(column).generator != Generator::PersonName) {
            ASSERT_EQ(a.text_arena, b.text_arena);
            return;
        }
        for (size_t r = 0; r < a.size(); ++r) {
            const auto [given, surname] = halves(b.text(r));
            const std::string expected = std::string(names.name(NamePool::Given, std::stoul(std::string(given)))) +
                                         " " +
                                         std::string(names.name(NamePool::Surname, std::stoul(std::string(surname))));
            ASSERT_EQ(a.text(r), expected);
        }
    };
    auto same_plans = [&](const BatchPlan& a, const BatchPlan& b) {
        ASSERT_EQ(a.insert_keys, b.insert_keys);
        ASSERT_EQ(a.insert_columns, b.insert_columns);
        for (ColumnId id : a.insert_columns) same_values(a.values_of(id), b.values_of(id), id);
        ASSERT_EQ(a.delete_keys, b.delete_keys);
        ASSERT_EQ(a.update_group_count, b.update_group_count);
        for (size_t g = 0; g < a.update_group_count; ++g) {
            ASSERT_EQ(a.update_groups[g].columns, b.update_groups[g].columns);
            ASSERT_EQ(a.update_groups[g].keys, b.update_groups[g].keys);
            same_values(a.update_groups[g].values[0], b.update_groups[g].values[0], a.update_groups[g].columns[0]);
        }
    };
    BatchPlan a, b;
    while (plain.plan_snapshot_chunk(a)) {
        ASSERT_TRUE(marked.plan_snapshot_chunk(b));
        same_plans(a, b);
    }
    int64_t updated_names = 0;
    while (!plain.finished()) {
        plain.plan_batch(a);
        marked.plan_batch(b);
        same_plans(a, b);
        for (size_t g = 0; g < a.update_group_count; ++g)
            if (column_spec(a.update_groups[g].columns[0]).generator == Generator::PersonName)
                updated_names += a.update_groups[g].keys.size();
    }
    EXPECT_TRUE(marked.finished());
    EXPECT_GT(updated_names, 0) << "the run should update some names too";
}

TEST(NameSpellings, CannotChangeOnceTheRunHasPlanned) {
    BatchPlanner planner(small_run(5));
    EXPECT_NO_THROW(planner.name_spellings_before_planning());
    BatchPlan plan;
    ASSERT_TRUE(planner.plan_snapshot_chunk(plan));
    EXPECT_THROW(planner.name_spellings_before_planning(), std::logic_error);
}

// Names are the only generated text that is not ASCII; the rest is valid in
// every server encoding as it is.
TEST(NameSpellings, EveryOtherGeneratedTextIsAscii) {
    for (ColumnId id = 0; id < kColumnCount; ++id) {
        const ColumnSpec& spec = column_spec(id);
        for (size_t k = 0; k < spec.choice_count; ++k) EXPECT_TRUE(is_ascii(spec.choices[k])) << spec.name;
        EXPECT_TRUE(is_ascii(spec.name));
        if (spec.kind == ValueKind::Text && spec.generator != Generator::Choice) {
            EXPECT_TRUE(spec.generator == Generator::PersonName || spec.generator == Generator::PromoCode)
                << spec.name << ": a new text generator; make sure its text is ASCII";
        }
    }
}
