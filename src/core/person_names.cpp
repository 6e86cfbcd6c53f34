#include "core/person_names.hpp"

namespace cdccraft {

// Common given names and surnames from several countries, so that consumers
// see accented letters, apostrophes and hyphens as well as plain ASCII; and,
// as people type their names into forms, names in their own scripts: Chinese,
// Japanese, Korean (one surname with a character outside the Basic
// Multilingual Plane, four bytes in UTF-8), Arabic and Hebrew (written right
// to left), Cyrillic and Greek, two with decomposed accents (a letter and a
// combining mark), and one with an emoji.
const std::string_view kGivenNames[] = {
    "James",   "Mary",      "Robert",   "Patricia",  "John",        "Jennifer",  "Michael",    "Linda",
    "David",   "Elizabeth", "William",  "Barbara",   "Richard",     "Susan",     "Joseph",     "Jessica",
    "Thomas",  "Sarah",     "Charles",  "Karen",     "Christopher", "Lisa",      "Daniel",     "Nancy",
    "Matthew", "Betty",     "Anthony",  "Margaret",  "Mark",        "Sandra",    "Donald",     "Ashley",
    "Steven",  "Kimberly",  "Paul",     "Emily",     "Andrew",      "Donna",     "Joshua",     "Michelle",
    "Kenneth", "Carol",     "Kevin",    "Amanda",    "Brian",       "Melissa",   "George",     "Deborah",
    "Timothy", "Stephanie", "Emmanuel", "Chinedu",   "Ngozi",       "Oluwaseun", "Adaeze",     "Tunde",
    "Folake",  "Yusuf",     "Aisha",    "Kwame",     "Amara",       "Sipho",     "Thandiwe",   "Wanjiru",
    "Kofi",    "Mohammed",  "Fatima",   "Omar",      "Layla",       "Hassan",    "Zeynep",     "Mehmet",
    "Elif",    "Hiroshi",   "Yuki",     "Haruto",    "Sakura",      "Wei",       "Li",         "Jun",
    "Mei",     "Min-jun",   "Seo-yeon", "Arjun",     "Priya",       "Rahul",     "Ananya",     "Vikram",
    "Lakshmi", "Nguyen",    "Linh",     "José",      "María",       "Juan",      "Lucía",      "Sofía",
    "Mateo",   "Valentina", "Santiago", "Camila",    "João",        "Beatriz",   "François",   "Amélie",
    "Chloé",   "Hélène",    "Jürgen",   "Lukas",     "Sophie",      "Björn",     "Åsa",        "Søren",
    "Ingrid",  "Olga",      "Dmitri",   "Anastasia", "Katarzyna",   "Piotr",     "Zoë",        "Seán",
    "Siobhán", "Niamh",     "Eoin",     "Giulia",    "Alessandro",  "Chiara",    "Lorenzo",    "Nikos",
    "Eleni",   "Aroha",     "Tane",     "Kalani",    "Leilani",     "芳",        "さくら",     "민준",
    "محمد",    "فاطمة",     "נועה",     "Дмитрий",   "Αλέξανδρος",  "Zoe\u0308", "Jose\u0301", "Ana\U0001F338",
};
const size_t kGivenNameCount = sizeof(kGivenNames) / sizeof(kGivenNames[0]);

const std::string_view kSurnames[] = {
    "Smith",      "Johnson",   "Williams",    "Brown",          "Jones",
    "Garcia",     "Miller",    "Davis",       "Rodriguez",      "Martinez",
    "Hernandez",  "Lopez",     "Gonzalez",    "Wilson",         "Anderson",
    "Thomas",     "Taylor",    "Moore",       "Jackson",        "Martin",
    "Lee",        "Perez",     "Thompson",    "White",          "Harris",
    "Sanchez",    "Clark",     "Ramirez",     "Lewis",          "Robinson",
    "Walker",     "Young",     "Allen",       "King",           "Wright",
    "Scott",      "Torres",    "Hill",        "Flores",         "Green",
    "Adams",      "Nelson",    "Baker",       "Hall",           "Rivera",
    "Campbell",   "Mitchell",  "Carter",      "Roberts",        "Ogunwede",
    "Okafor",     "Adeyemi",   "Eze",         "Nwosu",          "Balogun",
    "Mensah",     "Osei",      "Dlamini",     "Nkosi",          "Kamau",
    "Otieno",     "Haddad",    "Khalil",      "Nasser",         "Yılmaz",
    "Kaya",       "Demir",     "Sato",        "Suzuki",         "Takahashi",
    "Tanaka",     "Watanabe",  "Wang",        "Zhang",          "Liu",
    "Chen",       "Kim",       "Park",        "Choi",           "Patel",
    "Sharma",     "Singh",     "Gupta",       "Iyer",           "Nguyen",
    "Tran",       "Pham",      "Silva",       "Santos",         "Oliveira",
    "Pereira",    "Fernández", "González",    "Muñoz",          "Álvarez",
    "Dubois",     "Lefèvre",   "Moreau",      "Müller",         "Schmidt",
    "Schäfer",    "Weiß",      "Andersson",   "Johansson",      "Nielsen",
    "Jørgensen",  "Ivanov",    "Smirnova",    "Kowalski",       "Wiśniewska",
    "Nowak",      "O'Brien",   "O'Connor",    "Ní Bhriain",     "MacDonald",
    "Rossi",      "Russo",     "Esposito",    "Papadopoulos",   "Georgiou",
    "Te Whata",   "Kahananui", "Smith-Jones", "García-Márquez", "van der Berg",
    "de la Cruz", "王",        "李",          "\U00020BB7野",   "김",
    "العلي",      "כהן",       "Иванова",     "Παπαδάκη",
};
const size_t kSurnameCount = sizeof(kSurnames) / sizeof(kSurnames[0]);

const Romanization kRomanizations[] = {
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
const size_t kRomanizationCount = sizeof(kRomanizations) / sizeof(kRomanizations[0]);

}  // namespace cdccraft
