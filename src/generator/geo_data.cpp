// Countries, their real cities (coordinates, standard-time UTC offsets, population in
// millions as the weight) and the names and payment habits of their shoppers.
#include <array>

#include "generator/internal/world_data.h"

namespace gm::generator::internal {
namespace {

constexpr CityData kUsaCities[] = {
    {"New York", 40.7128, -74.0060, -300, 8.3},    {"Los Angeles", 34.0522, -118.2437, -480, 3.9},
    {"Chicago", 41.8781, -87.6298, -360, 2.7},     {"Houston", 29.7604, -95.3698, -360, 2.3},
    {"Phoenix", 33.4484, -112.0740, -420, 1.6},    {"Philadelphia", 39.9526, -75.1652, -300, 1.6},
    {"San Antonio", 29.4241, -98.4936, -360, 1.5}, {"San Diego", 32.7157, -117.1611, -480, 1.4},
    {"Dallas", 32.7767, -96.7970, -360, 1.3},      {"Seattle", 47.6062, -122.3321, -480, 0.75},
    {"Denver", 39.7392, -104.9903, -420, 0.72},    {"Boston", 42.3601, -71.0589, -300, 0.68},
    {"Miami", 25.7617, -80.1918, -300, 0.45},      {"Atlanta", 33.7490, -84.3880, -300, 0.5},
};
constexpr CityData kUkCities[] = {
    {"London", 51.5074, -0.1278, 0, 8.9},      {"Birmingham", 52.4862, -1.8904, 0, 1.1},
    {"Manchester", 53.4808, -2.2426, 0, 0.55}, {"Glasgow", 55.8642, -4.2518, 0, 0.63},
    {"Leeds", 53.8008, -1.5491, 0, 0.79},      {"Liverpool", 53.4084, -2.9916, 0, 0.5},
    {"Edinburgh", 55.9533, -3.1883, 0, 0.53},  {"Bristol", 51.4545, -2.5879, 0, 0.47},
    {"Sheffield", 53.3811, -1.4701, 0, 0.58},  {"Cardiff", 51.4816, -3.1791, 0, 0.36},
};
constexpr CityData kCanadaCities[] = {
    {"Toronto", 43.6532, -79.3832, -300, 2.8},     {"Montreal", 45.5017, -73.5673, -300, 1.8},
    {"Vancouver", 49.2827, -123.1207, -480, 0.68}, {"Calgary", 51.0447, -114.0719, -420, 1.3},
    {"Edmonton", 53.5461, -113.4938, -420, 1.0},   {"Ottawa", 45.4215, -75.6972, -300, 1.0},
    {"Winnipeg", 49.8951, -97.1384, -360, 0.75},   {"Quebec City", 46.8139, -71.2080, -300, 0.55},
    {"Halifax", 44.6488, -63.5752, -240, 0.44},
};
constexpr CityData kGermanyCities[] = {
    {"Berlin", 52.5200, 13.4050, 60, 3.7},     {"Hamburg", 53.5511, 9.9937, 60, 1.9},
    {"Munich", 48.1351, 11.5820, 60, 1.5},     {"Cologne", 50.9375, 6.9603, 60, 1.1},
    {"Frankfurt", 50.1109, 8.6821, 60, 0.76},  {"Stuttgart", 48.7758, 9.1829, 60, 0.63},
    {"Düsseldorf", 51.2277, 6.7735, 60, 0.62}, {"Leipzig", 51.3397, 12.3731, 60, 0.6},
    {"Dortmund", 51.5136, 7.4653, 60, 0.59},   {"Dresden", 51.0504, 13.7373, 60, 0.56},
};
constexpr CityData kFranceCities[] = {
    {"Paris", 48.8566, 2.3522, 60, 2.1},       {"Marseille", 43.2965, 5.3698, 60, 0.87},
    {"Lyon", 45.7640, 4.8357, 60, 0.52},       {"Toulouse", 43.6047, 1.4442, 60, 0.49},
    {"Nice", 43.7102, 7.2620, 60, 0.34},       {"Nantes", 47.2184, -1.5536, 60, 0.32},
    {"Strasbourg", 48.5734, 7.7521, 60, 0.29}, {"Montpellier", 43.6108, 3.8767, 60, 0.3},
    {"Bordeaux", 44.8378, -0.5792, 60, 0.26},  {"Lille", 50.6292, 3.0573, 60, 0.23},
};

constexpr std::string_view kUsaFirst[] = {
    "James",   "Mary",      "Robert",      "Patricia", "John",    "Jennifer", "Michael", "Linda",
    "David",   "Elizabeth", "William",     "Barbara",  "Richard", "Susan",    "Joseph",  "Jessica",
    "Thomas",  "Sarah",     "Christopher", "Karen",    "Daniel",  "Emily",    "Matthew", "Ashley",
    "Anthony", "Madison",   "Joshua",      "Olivia",   "Tyler",   "Hannah",   "Brandon", "Sophia"};
constexpr std::string_view kUsaLast[] = {
    "Smith",     "Johnson",  "Williams",  "Brown", "Jones",    "Garcia",   "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson",   "Anderson", "Thomas", "Taylor",
    "Moore",     "Jackson",  "Martin",    "Lee",   "Thompson", "White",    "Harris", "Clark",
    "Lewis",     "Robinson", "Walker",    "Young", "Allen",    "King",     "Wright", "Scott"};
constexpr std::string_view kUkFirst[] = {
    "Oliver",  "Amelia",  "George", "Isla",   "Harry",  "Ava",       "Jack",
    "Mia",     "Charlie", "Grace",  "Thomas", "Sophie", "Oscar",     "Lily",
    "William", "Freya",   "James",  "Emily",  "Alfie",  "Poppy",     "Henry",
    "Evie",    "Archie",  "Ella",   "Joshua", "Chloe",  "Alexander", "Ruby"};
constexpr std::string_view kUkLast[] = {
    "Smith",   "Jones",    "Taylor", "Brown",    "Williams", "Wilson", "Johnson",
    "Davies",  "Robinson", "Wright", "Thompson", "Evans",    "Walker", "White",
    "Roberts", "Green",    "Hall",   "Wood",     "Jackson",  "Clarke", "Patel",
    "Khan",    "Lewis",    "Hughes", "Edwards",  "Turner",   "Cooper", "Hill"};
constexpr std::string_view kCanadaFirst[] = {
    "Liam",  "Olivia", "Noah",  "Emma",   "Lucas", "Charlotte", "Benjamin", "Amelia", "William",
    "Ava",   "Ethan",  "Chloe", "Nathan", "Léa",   "Samuel",    "Florence", "Jacob",  "Alice",
    "Logan", "Zoé",    "Owen",  "Maya",   "Félix", "Abigail",   "Gabriel",  "Rosalie"};
constexpr std::string_view kCanadaLast[] = {
    "Smith",  "Brown",    "Tremblay", "Martin",   "Roy",      "Wilson",   "MacDonald",
    "Gagnon", "Johnson",  "Taylor",   "Côté",     "Campbell", "Anderson", "Leblanc",
    "Lee",    "Jones",    "White",    "Williams", "Miller",   "Thompson", "Gauthier",
    "Young",  "Bouchard", "Morin",    "Lavoie",   "Fortin"};
constexpr std::string_view kGermanyFirst[] = {
    "Lukas",     "Anna",   "Leon",   "Emma",  "Finn",  "Mia",        "Jonas",
    "Hannah",    "Paul",   "Sophie", "Felix", "Lena",  "Maximilian", "Marie",
    "Elias",     "Lea",    "Noah",   "Laura", "Tim",   "Johanna",    "Julian",
    "Katharina", "Moritz", "Clara",  "Jan",   "Sarah", "Niklas",     "Jürgen"};
constexpr std::string_view kGermanyLast[] = {
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber",   "Meyer",      "Wagner",
    "Becker", "Schulz",  "Hoffmann",  "Schäfer", "Koch",    "Bauer",      "Richter",
    "Klein",  "Wolf",    "Schröder",  "Neumann", "Schwarz", "Zimmermann", "Braun",
    "Krüger", "Hofmann", "Hartmann",  "Lange",   "Schmitt", "Werner",     "Krause"};
constexpr std::string_view kFranceFirst[] = {
    "Gabriel", "Louise", "Léo",    "Jade",     "Raphaël", "Emma",  "Louis",   "Alice",  "Arthur",
    "Chloé",   "Jules",  "Léa",    "Hugo",     "Manon",   "Lucas", "Camille", "Nathan", "Inès",
    "Théo",    "Sarah",  "Mathis", "Juliette", "Antoine", "Élise", "Étienne", "Margaux"};
constexpr std::string_view kFranceLast[] = {
    "Martin", "Bernard", "Dubois",   "Thomas", "Robert",  "Richard",  "Petit",
    "Durand", "Leroy",   "Moreau",   "Simon",  "Laurent", "Lefèvre",  "Michel",
    "Garcia", "David",   "Bertrand", "Roux",   "Vincent", "Fournier", "Morel",
    "Girard", "André",   "Mercier",  "Dupont", "Lambert", "Bonnet",   "François"};

constexpr std::string_view kUsaPay[] = {"credit_card", "debit_card", "paypal", "apple_pay",
                                        "google_pay"};
constexpr double kUsaPayW[] = {45, 20, 18, 12, 5};
constexpr std::string_view kUkPay[] = {"debit_card", "credit_card", "paypal", "apple_pay",
                                       "google_pay"};
constexpr double kUkPayW[] = {40, 25, 18, 12, 5};
constexpr std::string_view kCanadaPay[] = {"credit_card", "debit_card", "paypal", "apple_pay"};
constexpr double kCanadaPayW[] = {50, 20, 18, 12};
constexpr std::string_view kGermanyPay[] = {"paypal", "bank_transfer", "credit_card", "debit_card",
                                            "apple_pay"};
constexpr double kGermanyPayW[] = {38, 22, 18, 14, 8};
constexpr std::string_view kFrancePay[] = {"credit_card", "paypal", "debit_card", "apple_pay",
                                           "bank_transfer"};
constexpr double kFrancePayW[] = {48, 22, 15, 10, 5};

constexpr std::array<CountryData, 5> kCountries = {{
    {"USA", "USD", 0.40, -360, kUsaCities, kUsaFirst, kUsaLast, kUsaPay, kUsaPayW},
    {"UK", "GBP", 0.20, 0, kUkCities, kUkFirst, kUkLast, kUkPay, kUkPayW},
    {"Canada", "CAD", 0.15, -300, kCanadaCities, kCanadaFirst, kCanadaLast, kCanadaPay,
     kCanadaPayW},
    {"Germany", "EUR", 0.15, 60, kGermanyCities, kGermanyFirst, kGermanyLast, kGermanyPay,
     kGermanyPayW},
    {"France", "EUR", 0.10, 60, kFranceCities, kFranceFirst, kFranceLast, kFrancePay, kFrancePayW},
}};

}  // namespace

std::span<const CountryData> CountryTable() { return kCountries; }

}  // namespace gm::generator::internal
