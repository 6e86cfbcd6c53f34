#include "core/person_names.hpp"

namespace cdccraft {

// Common given names and surnames from several countries, so that consumers
// see accented letters, apostrophes and hyphens as well as plain ASCII.
const std::string_view kGivenNames[] = {
    "James",     "Mary",     "Robert",      "Patricia", "John",      "Jennifer", "Michael",  "Linda",      "David",
    "Elizabeth", "William",  "Barbara",     "Richard",  "Susan",     "Joseph",   "Jessica",  "Thomas",     "Sarah",
    "Charles",   "Karen",    "Christopher", "Lisa",     "Daniel",    "Nancy",    "Matthew",  "Betty",      "Anthony",
    "Margaret",  "Mark",     "Sandra",      "Donald",   "Ashley",    "Steven",   "Kimberly", "Paul",       "Emily",
    "Andrew",    "Donna",    "Joshua",      "Michelle", "Kenneth",   "Carol",    "Kevin",    "Amanda",     "Brian",
    "Melissa",   "George",   "Deborah",     "Timothy",  "Stephanie", "Emmanuel", "Chinedu",  "Ngozi",      "Oluwaseun",
    "Adaeze",    "Tunde",    "Folake",      "Yusuf",    "Aisha",     "Kwame",    "Amara",    "Sipho",      "Thandiwe",
    "Wanjiru",   "Kofi",     "Mohammed",    "Fatima",   "Omar",      "Layla",    "Hassan",   "Zeynep",     "Mehmet",
    "Elif",      "Hiroshi",  "Yuki",        "Haruto",   "Sakura",    "Wei",      "Li",       "Jun",        "Mei",
    "Min-jun",   "Seo-yeon", "Arjun",       "Priya",    "Rahul",     "Ananya",   "Vikram",   "Lakshmi",    "Nguyen",
    "Linh",      "José",     "María",       "Juan",     "Lucía",     "Sofía",    "Mateo",    "Valentina",  "Santiago",
    "Camila",    "João",     "Beatriz",     "François", "Amélie",    "Chloé",    "Hélène",   "Jürgen",     "Lukas",
    "Sophie",    "Björn",    "Åsa",         "Søren",    "Ingrid",    "Olga",     "Dmitri",   "Anastasia",  "Katarzyna",
    "Piotr",     "Zoë",      "Seán",        "Siobhán",  "Niamh",     "Eoin",     "Giulia",   "Alessandro", "Chiara",
    "Lorenzo",   "Nikos",    "Eleni",       "Aroha",    "Tane",      "Kalani",   "Leilani",
};
const size_t kGivenNameCount = sizeof(kGivenNames) / sizeof(kGivenNames[0]);

const std::string_view kSurnames[] = {
    "Smith",     "Johnson",    "Williams",    "Brown",          "Jones",        "Garcia",
    "Miller",    "Davis",      "Rodriguez",   "Martinez",       "Hernandez",    "Lopez",
    "Gonzalez",  "Wilson",     "Anderson",    "Thomas",         "Taylor",       "Moore",
    "Jackson",   "Martin",     "Lee",         "Perez",          "Thompson",     "White",
    "Harris",    "Sanchez",    "Clark",       "Ramirez",        "Lewis",        "Robinson",
    "Walker",    "Young",      "Allen",       "King",           "Wright",       "Scott",
    "Torres",    "Hill",       "Flores",      "Green",          "Adams",        "Nelson",
    "Baker",     "Hall",       "Rivera",      "Campbell",       "Mitchell",     "Carter",
    "Roberts",   "Ogunwede",   "Okafor",      "Adeyemi",        "Eze",          "Nwosu",
    "Balogun",   "Mensah",     "Osei",        "Dlamini",        "Nkosi",        "Kamau",
    "Otieno",    "Haddad",     "Khalil",      "Nasser",         "Yılmaz",       "Kaya",
    "Demir",     "Sato",       "Suzuki",      "Takahashi",      "Tanaka",       "Watanabe",
    "Wang",      "Zhang",      "Liu",         "Chen",           "Kim",          "Park",
    "Choi",      "Patel",      "Sharma",      "Singh",          "Gupta",        "Iyer",
    "Nguyen",    "Tran",       "Pham",        "Silva",          "Santos",       "Oliveira",
    "Pereira",   "Fernández",  "González",    "Muñoz",          "Álvarez",      "Dubois",
    "Lefèvre",   "Moreau",     "Müller",      "Schmidt",        "Schäfer",      "Weiß",
    "Andersson", "Johansson",  "Nielsen",     "Jørgensen",      "Ivanov",       "Smirnova",
    "Kowalski",  "Wiśniewska", "Nowak",       "O'Brien",        "O'Connor",     "Ní Bhriain",
    "MacDonald", "Rossi",      "Russo",       "Esposito",       "Papadopoulos", "Georgiou",
    "Te Whata",  "Kahananui",  "Smith-Jones", "García-Márquez", "van der Berg", "de la Cruz",
};
const size_t kSurnameCount = sizeof(kSurnames) / sizeof(kSurnames[0]);

}  // namespace cdccraft
