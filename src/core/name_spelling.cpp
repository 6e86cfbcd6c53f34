#include "core/name_spelling.hpp"

#include <stdexcept>

#include "core/person_names.hpp"

namespace cdccraft {
namespace {

// U+00C0 to U+017F (Latin-1 Supplement letters and Latin Extended-A), each
// letter's canonical decomposition without its combining marks; letters with
// no decomposition are spelled as is customary in ASCII (ß ss, æ ae, ø o,
// ł l, ı i, đ and ð d, þ th). The two signs in the range, × and ÷, are '?'.
constexpr char32_t kFoldFirst = 0xC0;
constexpr std::string_view kFolds[] = {
    /* U+00C0 */ "A", "A", "A",  "A",  "A", "A", "AE", "C", "E", "E",  "E",  "E",  "I", "I", "I",  "I",
    /* U+00D0 */ "D", "N", "O",  "O",  "O", "O", "O",  "?", "O", "U",  "U",  "U",  "U", "Y", "TH", "ss",
    /* U+00E0 */ "a", "a", "a",  "a",  "a", "a", "ae", "c", "e", "e",  "e",  "e",  "i", "i", "i",  "i",
    /* U+00F0 */ "d", "n", "o",  "o",  "o", "o", "o",  "?", "o", "u",  "u",  "u",  "u", "y", "th", "y",
    /* U+0100 */ "A", "a", "A",  "a",  "A", "a", "C",  "c", "C", "c",  "C",  "c",  "C", "c", "D",  "d",
    /* U+0110 */ "D", "d", "E",  "e",  "E", "e", "E",  "e", "E", "e",  "E",  "e",  "G", "g", "G",  "g",
    /* U+0120 */ "G", "g", "G",  "g",  "H", "h", "H",  "h", "I", "i",  "I",  "i",  "I", "i", "I",  "i",
    /* U+0130 */ "I", "i", "IJ", "ij", "J", "j", "K",  "k", "q", "L",  "l",  "L",  "l", "L", "l",  "L",
    /* U+0140 */ "l", "L", "l",  "N",  "n", "N", "n",  "N", "n", "'n", "NG", "ng", "O", "o", "O",  "o",
    /* U+0150 */ "O", "o", "OE", "oe", "R", "r", "R",  "r", "R", "r",  "S",  "s",  "S", "s", "S",  "s",
    /* U+0160 */ "S", "s", "T",  "t",  "T", "t", "T",  "t", "U", "u",  "U",  "u",  "U", "u", "U",  "u",
    /* U+0170 */ "U", "u", "U",  "u",  "W", "w", "Y",  "y", "Y", "Z",  "z",  "Z",  "z", "Z", "z",  "s",
};
constexpr char32_t kFoldLast = kFoldFirst + sizeof(kFolds) / sizeof(kFolds[0]) - 1;

unsigned char byte_at(std::string_view text, size_t i) { return static_cast<unsigned char>(text[i]); }

size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 0;
}

// The code point starting at text[i], and its length in bytes: 0 for a byte
// that does not start a valid UTF-8 sequence (overlong forms and surrogates
// are invalid too).
char32_t decode_utf8(std::string_view text, size_t i, size_t& length) {
    static constexpr unsigned char kLeadBits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    static constexpr char32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};
    length = 0;
    const size_t n = sequence_length(byte_at(text, i));
    if (n == 0 || n > text.size() - i) return 0;
    char32_t cp = byte_at(text, i) & kLeadBits[n];
    for (size_t k = 1; k < n; ++k) {
        if ((byte_at(text, i + k) & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (byte_at(text, i + k) & 0x3F);
    }
    if (cp < kLeast[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    length = n;
    return cp;
}

std::string_view fold_of(char32_t cp) {
    if (cp >= kFoldFirst && cp <= kFoldLast) return kFolds[cp - kFoldFirst];
    // Romanian letters with a comma below, in Latin Extended-B.
    switch (cp) {
        case 0x218: return "S";
        case 0x219: return "s";
        case 0x21A: return "T";
        case 0x21B: return "t";
        default: return "?";
    }
}

}  // namespace

std::string ascii_fold(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    for (size_t i = 0; i < utf8.size();) {
        size_t length = 0;
        const char32_t cp = decode_utf8(utf8, i, length);
        if (length == 0) {
            out.push_back('?');
            ++i;
            continue;
        }
        if (cp < 0x80)
            out.push_back(static_cast<char>(cp));
        else if (cp < 0x300 || cp > 0x36F)
            out.append(fold_of(cp));
        i += length;
    }
    return out;
}

std::string ascii_spelling(std::string_view utf8) {
    for (size_t i = 0; i < kRomanizationCount; ++i)
        if (kRomanizations[i].name == utf8) return std::string(kRomanizations[i].ascii);
    return ascii_fold(utf8);
}

bool is_ascii(std::string_view text) noexcept {
    for (char c : text)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

NameSpellings::NameSpellings()
    : given_(kGivenNames, kGivenNames + kGivenNameCount), surnames_(kSurnames, kSurnames + kSurnameCount) {}

std::string_view NameSpellings::name(NamePool pool, size_t i) const noexcept {
    return pool == NamePool::Given ? kGivenNames[i] : kSurnames[i];
}

void NameSpellings::respell(NamePool pool, size_t i, std::string_view bytes) {
    std::vector<std::string_view>& views = pool == NamePool::Given ? given_ : surnames_;
    if (i >= views.size()) throw std::out_of_range("name index past the end of its pool");
    if (bytes == name(pool, i)) {
        views[i] = name(pool, i);
        return;
    }
    owned_.emplace_back(bytes);
    views[i] = owned_.back();
}

size_t NameSpellings::respelled() const noexcept {
    size_t n = 0;
    for (size_t i = 0; i < given_.size(); ++i) n += given_[i].data() != kGivenNames[i].data();
    for (size_t i = 0; i < surnames_.size(); ++i) n += surnames_[i].data() != kSurnames[i].data();
    return n;
}

}  // namespace cdccraft
