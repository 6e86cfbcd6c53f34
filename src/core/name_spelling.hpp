// How a run spells the names it draws. The name pools (person_names.hpp) are
// UTF-8, and a database whose encoding cannot represent a name must store
// another spelling of it. Rows draw names by index, never by spelling, so the
// same seed gives the same rows in every encoding but for the spelling of the
// names that encoding lacks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace cdccraft {

// The pools a customer_name is drawn from: a given name, a space, a surname.
enum class NamePool : uint8_t { Given, Surname };

// The ASCII folding of UTF-8 text, the spelling of last resort, since every
// server encoding holds ASCII as it is: Latin letters lose their marks
// ("Wiśniewska" -> "Wisniewska") and those without marks to lose are spelled
// in ASCII ("Weiß" -> "Weiss", "Søren" -> "Soren", "Yılmaz" -> "Yilmaz").
// Anything else that is not ASCII, and every byte of invalid UTF-8, becomes
// '?'. ASCII is unchanged.
// Combining marks (U+0300 to U+036F, as in a decomposed "Zoë") are dropped.
std::string ascii_fold(std::string_view utf8);
bool is_ascii(std::string_view text) noexcept;
// A pool entry's ASCII spelling: its romanization where the pools give one
// (person_names.hpp), else its ASCII folding.
std::string ascii_spelling(std::string_view utf8);

// The bytes a run emits for each pool entry. At first every entry is spelled
// as in its pool; the PostgreSQL side respells what the database's encoding
// needs before the run plans its first rows. Spellings are views into the
// pools or into this object, so it is neither copied nor moved.
class NameSpellings {
public:
    NameSpellings();
    NameSpellings(const NameSpellings&) = delete;
    NameSpellings& operator=(const NameSpellings&) = delete;

    size_t size(NamePool pool) const noexcept { return pool_spellings(pool).size(); }
    // The entry as in its pool, in UTF-8.
    std::string_view name(NamePool pool, size_t i) const noexcept;
    std::string_view spelling(NamePool pool, size_t i) const noexcept { return pool_spellings(pool)[i]; }
    // Every spelling of the pool, by index: what the generator reads.
    const std::string_view* spellings(NamePool pool) const noexcept { return pool_spellings(pool).data(); }

    // Throws std::out_of_range for an index past the pool.
    void respell(NamePool pool, size_t i, std::string_view bytes);
    void respell_ascii(NamePool pool, size_t i) { respell(pool, i, ascii_spelling(name(pool, i))); }
    // Entries whose spelling differs from their pool's.
    size_t respelled() const noexcept;
    // Free text (all_types) in ASCII, for a database whose encoding is not
    // UTF8 (nor SQL_ASCII).
    bool ascii_text() const noexcept { return ascii_text_; }
    void set_ascii_text() noexcept { ascii_text_ = true; }

private:
    const std::vector<std::string_view>& pool_spellings(NamePool pool) const noexcept {
        return pool == NamePool::Given ? given_ : surnames_;
    }

    std::vector<std::string_view> given_;
    std::vector<std::string_view> surnames_;
    std::deque<std::string> owned_;  // a deque, so that growing it moves no string a view points into
    bool ascii_text_ = false;
};

}  // namespace cdccraft
