// The category and brand tables of the synthetic catalog. Brands are invented; price
// ranges follow what the categories cost in real shops (USD).
#include <array>

#include "generator/internal/world_data.h"

namespace gm::generator::internal {
namespace {

using H = HourClass;
using B = BrandGroup;

constexpr std::array<CategoryData, 100> kCategories = {{
    {"Smartphones", 100, 1500, 3.0, H::kEvening, B::kTech, "Smartphone|Phone|5G Phone"},
    {"Laptops", 300, 3000, 2.5, H::kEvening, B::kTech, "Laptop|Notebook|Ultrabook"},
    {"Tablets", 80, 1200, 1.5, H::kEvening, B::kTech, "Tablet|Pad|Tab"},
    {"Headphones", 15, 500, 2.0, H::kEvening, B::kTech, "Headphones|Earbuds|Headset"},
    {"Smartwatches", 50, 800, 1.2, H::kEvening, B::kTech, "Smartwatch|Watch|Band"},
    {"Televisions", 150, 4000, 1.2, H::kEvening, B::kTech, "TV|Smart TV|OLED TV"},
    {"Cameras", 100, 3500, 0.8, H::kEvening, B::kTech, "Camera|Mirrorless Camera|Action Cam"},
    {"Video Games", 10, 70, 2.0, H::kLate, B::kTech, "Game|Edition|Collection"},
    {"Game Consoles", 200, 700, 0.8, H::kLate, B::kTech, "Console|Handheld|Console Bundle"},
    {"PC Components", 20, 2000, 1.0, H::kLate, B::kTech, "Graphics Card|SSD|Processor|RAM Kit"},
    {"Monitors", 100, 1500, 0.9, H::kEvening, B::kTech, "Monitor|Display|Curved Monitor"},
    {"Speakers", 20, 600, 1.0, H::kEvening, B::kTech, "Speaker|Soundbar|Party Speaker"},
    {"Drones", 50, 2500, 0.4, H::kEvening, B::kTech, "Drone|Quadcopter|FPV Drone"},
    {"Smart Home", 15, 300, 1.0, H::kEvening, B::kTech, "Smart Plug|Camera|Thermostat|Hub"},
    {"Phone Cases", 5, 60, 1.5, H::kEvening, B::kTech, "Case|Cover|Folio"},
    {"Chargers", 8, 80, 1.2, H::kFlat, B::kTech, "Charger|Power Bank|Cable"},
    {"Printers", 60, 800, 0.5, H::kDaytime, B::kTech, "Printer|Laser Printer|Scanner"},
    {"Networking", 20, 400, 0.6, H::kDaytime, B::kTech, "Router|Mesh System|Switch"},
    {"E-Readers", 80, 300, 0.5, H::kEvening, B::kTech, "E-Reader|Reader"},
    {"Keyboards", 15, 250, 0.8, H::kLate, B::kTech, "Keyboard|Mouse|Gaming Mouse"},
    {"Running Shoes", 40, 250, 1.8, H::kEvening, B::kSport, "Running Shoe|Trail Shoe|Racer"},
    {"Sneakers", 40, 300, 2.0, H::kEvening, B::kFashion, "Sneaker|Trainer|High-Top"},
    {"Boots", 50, 400, 1.0, H::kEvening, B::kFashion, "Boot|Chelsea Boot|Hiking Boot"},
    {"Dresses", 20, 300, 1.8, H::kEvening, B::kFashion, "Dress|Maxi Dress|Wrap Dress"},
    {"Jeans", 25, 200, 1.6, H::kEvening, B::kFashion, "Jeans|Slim Jeans|Denim"},
    {"T-Shirts", 8, 60, 2.0, H::kEvening, B::kFashion, "T-Shirt|Tee|Polo"},
    {"Jackets", 40, 600, 1.2, H::kEvening, B::kFashion, "Jacket|Parka|Windbreaker"},
    {"Swimwear", 15, 150, 0.7, H::kEvening, B::kFashion, "Swimsuit|Bikini|Swim Shorts"},
    {"Handbags", 25, 2000, 1.0, H::kEvening, B::kFashion, "Handbag|Tote|Crossbody Bag"},
    {"Watches", 30, 5000, 0.8, H::kEvening, B::kFashion, "Watch|Chronograph|Diver Watch"},
    {"Jewelry", 15, 8000, 0.8, H::kEvening, B::kFashion, "Necklace|Ring|Bracelet|Earrings"},
    {"Sunglasses", 10, 400, 0.8, H::kDaytime, B::kFashion, "Sunglasses|Aviators|Shades"},
    {"Lingerie", 10, 120, 0.7, H::kLate, B::kFashion, "Bra|Bodysuit|Lounge Set"},
    {"Activewear", 15, 150, 1.2, H::kMorning, B::kSport, "Leggings|Sports Bra|Training Top"},
    {"Kids Clothing", 8, 80, 1.2, H::kDaytime, B::kKids, "Romper|Hoodie|Pyjamas"},
    {"Furniture", 50, 3000, 1.2, H::kDaytime, B::kHome, "Sofa|Bookcase|Desk|Armchair"},
    {"Mattresses", 150, 2500, 0.5, H::kEvening, B::kHome, "Mattress|Topper|Hybrid Mattress"},
    {"Bedding", 20, 400, 1.0, H::kEvening, B::kHome, "Duvet|Sheet Set|Pillow"},
    {"Cookware", 15, 600, 1.0, H::kDaytime, B::kHome, "Frying Pan|Saucepan|Dutch Oven"},
    {"Kitchen Gadgets", 5, 150, 1.2, H::kDaytime, B::kHome, "Blender|Peeler|Scale|Grinder"},
    {"Coffee Machines", 40, 2000, 0.6, H::kMorning, B::kHome, "Espresso Machine|Coffee Maker"},
    {"Vacuum Cleaners", 60, 900, 0.6, H::kDaytime, B::kHome, "Vacuum|Robot Vacuum|Stick Vac"},
    {"Lighting", 10, 500, 0.8, H::kEvening, B::kHome, "Lamp|Pendant Light|LED Strip"},
    {"Home Decor", 5, 300, 1.2, H::kEvening, B::kHome, "Vase|Mirror|Wall Art|Cushion"},
    {"Rugs", 30, 1500, 0.5, H::kEvening, B::kHome, "Rug|Runner|Area Rug"},
    {"Storage", 10, 200, 0.7, H::kDaytime, B::kHome, "Storage Box|Shelf|Organizer"},
    {"Bath", 5, 150, 0.8, H::kMorning, B::kHome, "Towel Set|Bath Mat|Shower Head"},
    {"Appliances", 100, 3000, 0.7, H::kDaytime, B::kHome, "Fridge|Washer|Dishwasher|Oven"},
    {"Air Purifiers", 50, 800, 0.4, H::kDaytime, B::kHome, "Air Purifier|Humidifier|Fan"},
    {"Candles", 5, 60, 0.7, H::kEvening, B::kHome, "Candle|Diffuser|Wax Melt"},
    {"Power Tools", 30, 700, 0.7, H::kDaytime, B::kDiy, "Drill|Circular Saw|Sander"},
    {"Hand Tools", 5, 150, 0.6, H::kDaytime, B::kDiy, "Screwdriver Set|Hammer|Wrench"},
    {"Garden Tools", 10, 300, 0.6, H::kDaytime, B::kDiy, "Pruner|Rake|Hose|Mower"},
    {"Plants", 5, 150, 0.7, H::kMorning, B::kDiy, "Houseplant|Succulent|Orchid"},
    {"Grills", 80, 2500, 0.4, H::kDaytime, B::kDiy, "Grill|Smoker|Gas Grill"},
    {"Patio Furniture", 80, 3000, 0.4, H::kDaytime, B::kDiy, "Patio Set|Lounger|Parasol"},
    {"Paint", 10, 120, 0.4, H::kDaytime, B::kDiy, "Paint|Primer|Wood Stain"},
    {"Hardware", 2, 80, 0.5, H::kDaytime, B::kDiy, "Screws|Hinge|Lock|Bracket"},
    {"Coffee", 5, 60, 2.0, H::kMorning, B::kFood, "Coffee Beans|Ground Coffee|Capsules"},
    {"Tea", 3, 40, 1.0, H::kMorning, B::kFood, "Tea|Green Tea|Herbal Tea"},
    {"Snacks", 1, 25, 1.8, H::kLate, B::kFood, "Chips|Crackers|Nut Mix|Popcorn"},
    {"Beverages", 1, 30, 1.6, H::kDaytime, B::kFood, "Sparkling Water|Juice|Soda"},
    {"Breakfast", 2, 20, 1.4, H::kMorning, B::kFood, "Cereal|Granola|Oats|Pancake Mix"},
    {"Pantry", 1, 30, 1.8, H::kMorning, B::kFood, "Pasta|Olive Oil|Rice|Sauce"},
    {"Organic Food", 2, 40, 1.0, H::kMorning, B::kFood, "Organic Honey|Quinoa|Lentils"},
    {"Wine", 8, 300, 1.0, H::kEvening, B::kFood, "Red Wine|White Wine|Rose"},
    {"Craft Beer", 3, 40, 0.7, H::kEvening, B::kFood, "IPA|Stout|Lager|Pale Ale"},
    {"Chocolate", 2, 50, 1.0, H::kLate, B::kFood, "Chocolate Bar|Truffles|Pralines"},
    {"Skincare", 5, 200, 1.6, H::kMorning, B::kBeauty, "Serum|Moisturizer|Cleanser"},
    {"Makeup", 4, 120, 1.5, H::kMorning, B::kBeauty, "Lipstick|Mascara|Foundation"},
    {"Fragrances", 20, 400, 1.0, H::kEvening, B::kBeauty, "Eau de Parfum|Cologne|Body Mist"},
    {"Hair Care", 4, 80, 1.0, H::kMorning, B::kBeauty, "Shampoo|Conditioner|Hair Oil"},
    {"Vitamins", 5, 80, 1.0, H::kMorning, B::kBeauty, "Multivitamin|Vitamin D|Omega-3"},
    {"Oral Care", 2, 250, 0.7, H::kMorning, B::kBeauty, "Toothpaste|Electric Toothbrush"},
    {"Shaving", 3, 300, 0.7, H::kMorning, B::kBeauty, "Razor|Shaver|Beard Trimmer"},
    {"Health Monitors", 30, 400, 0.5, H::kMorning, B::kTech, "Blood Pressure Monitor|Scale"},
    {"Bicycles", 150, 6000, 0.5, H::kDaytime, B::kSport, "Road Bike|E-Bike|Mountain Bike"},
    {"Camping Gear", 10, 800, 0.6, H::kDaytime, B::kSport, "Tent|Sleeping Bag|Backpack"},
    {"Yoga", 10, 150, 0.6, H::kMorning, B::kSport, "Yoga Mat|Yoga Block|Strap"},
    {"Gym Equipment", 20, 3000, 0.6, H::kEvening, B::kSport, "Dumbbells|Treadmill|Bench"},
    {"Team Sports", 10, 200, 0.5, H::kDaytime, B::kSport, "Football|Basketball|Jersey"},
    {"Fishing", 5, 700, 0.3, H::kDaytime, B::kSport, "Fishing Rod|Reel|Tackle Box"},
    {"Golf", 10, 1500, 0.3, H::kDaytime, B::kSport, "Driver|Golf Balls|Putter"},
    {"Cycling Gear", 10, 400, 0.4, H::kDaytime, B::kSport, "Helmet|Bike Light|Jersey"},
    {"Toys", 5, 150, 1.5, H::kDaytime, B::kKids, "Plush Toy|Action Figure|Puzzle"},
    {"Board Games", 10, 120, 0.8, H::kEvening, B::kKids, "Board Game|Card Game|Strategy Game"},
    {"Building Sets", 10, 800, 0.8, H::kEvening, B::kKids, "Building Set|Brick Kit"},
    {"Baby Care", 3, 80, 1.0, H::kMorning, B::kKids, "Diapers|Baby Wipes|Bottle Set"},
    {"Strollers", 80, 1200, 0.3, H::kDaytime, B::kKids, "Stroller|Travel System|Buggy"},
    {"School Supplies", 1, 40, 0.8, H::kDaytime, B::kKids, "Notebook|Pencil Case|Backpack"},
    {"Books", 5, 60, 2.0, H::kLate, B::kMedia, "Novel|Cookbook|Biography|Thriller"},
    {"E-Books", 1, 20, 1.0, H::kLate, B::kMedia, "E-Book|Audiobook"},
    {"Vinyl Records", 15, 80, 0.4, H::kEvening, B::kMedia, "LP|Vinyl|Box Set"},
    {"Movies", 5, 40, 0.6, H::kLate, B::kMedia, "Blu-ray|4K Movie|Series Box"},
    {"Art Supplies", 3, 200, 0.5, H::kDaytime, B::kMedia, "Paint Set|Sketchbook|Easel"},
    {"Guitars", 80, 3000, 0.3, H::kEvening, B::kMedia, "Acoustic Guitar|Electric Guitar"},
    {"Pet Food", 5, 90, 1.4, H::kMorning, B::kPet, "Dog Food|Cat Food|Treats"},
    {"Pet Supplies", 3, 250, 1.0, H::kDaytime, B::kPet, "Dog Bed|Leash|Cat Tree|Litter"},
    {"Car Accessories", 5, 800, 0.6, H::kDaytime, B::kTravel, "Dash Cam|Seat Cover|Car Charger"},
    {"Luggage", 40, 900, 0.6, H::kEvening, B::kTravel, "Suitcase|Carry-On|Duffel"},
}};

constexpr std::string_view kTech[] = {"Veltra", "Nordvik", "Axion",  "Lumetra", "Corvex",
                                      "Zentro", "Halcyon", "Quanta", "Novaris", "Brightwave"};
constexpr std::string_view kFashion[] = {"Maison Arle", "Velora",      "Kestrel & Co", "Urbanist",
                                         "Solenne",     "Rowan",       "Calder",       "Mirelle",
                                         "Northbound",  "Atelier Vane"};
constexpr std::string_view kHome[] = {"Hearthly",      "Casavera", "Lindqvist",
                                      "Oakhaven",      "Domino",   "Kivi",
                                      "Maple & Stone", "Fjordhus", "Comfortex"};
constexpr std::string_view kDiy[] = {"Ironclad",   "Gardino",  "Workmate", "Stanwell",
                                     "Greenfield", "ProBuild", "Terrano"};
constexpr std::string_view kFood[] = {"Golden Hill", "Bramble Farm", "Cafe Alto", "Nutrivo",
                                      "Old Mill",    "Sunnydale",    "Vinaria",   "Cacao Norte"};
constexpr std::string_view kBeauty[] = {"Lumiere",  "Aveline",     "Purely", "Dermaluxe",
                                        "Botanica", "Silk & Sage", "Vitalis"};
constexpr std::string_view kSport[] = {"Stride", "Apex",  "Trailhead", "Kinetic",
                                       "Summit", "Velox", "Peakform"};
constexpr std::string_view kKids[] = {"Little Owl", "Tumbletot", "Playwell",
                                      "Brickworks", "Happy Cub", "Scholar"};
constexpr std::string_view kMedia[] = {"Penwright", "Harbor Press", "Soundfold",
                                       "Reelhouse", "Artisan",      "Tonewood"};
constexpr std::string_view kPet[] = {"Pawsome", "Whisker & Tail", "Barkley", "Furwell"};
constexpr std::string_view kTravel[] = {"Roamer", "Motorline", "Jetway", "Wayfarer", "Drivo"};

constexpr std::string_view kSeries[] = {
    "Pro",       "Max",  "Lite",  "Air",       "Classic", "Select",  "Prime",   "Ultra",
    "Essential", "Plus", "Sport", "Eco",       "Studio",  "Vintage", "Urban",   "Edge",
    "Nova",      "Core", "Elite", "Signature", "Flex",    "Aero",    "Comfort", "Original"};

// Relative activity by local hour (0–23) of each hour class; multiplied by the overall
// shopping curve's shape only through the category weights, so each row need not sum to 1.
constexpr double kHourWeights[kHourClassCount][24] = {
    // morning: breakfast, groceries, beauty
    {0.3, 0.2, 0.2, 0.2, 0.3, 0.6, 1.4, 2.0, 2.2, 2.0, 1.6, 1.3,
     1.1, 1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3},
    // daytime: home, garden, office
    {0.3, 0.2, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, 1.1, 1.4, 1.6, 1.7,
     1.6, 1.6, 1.6, 1.5, 1.4, 1.2, 1.0, 0.9, 0.8, 0.6, 0.5, 0.4},
    // evening: electronics, fashion
    {0.6, 0.4, 0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9,
     1.0, 0.9, 0.9, 0.9, 1.0, 1.2, 1.4, 1.7, 1.9, 2.0, 1.7, 1.1},
    // late: games, books, snacks
    {1.6, 1.4, 1.0, 0.6, 0.3, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7,
     0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.2, 1.4, 1.7, 2.0, 2.1, 1.9},
    // flat
    {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
};

// All shopping by local hour: low 2–6 am, peak 8–10 pm.
constexpr double kShoppingHours[24] = {0.55, 0.35, 0.22, 0.15, 0.12, 0.13, 0.22, 0.40,
                                       0.60, 0.75, 0.85, 0.92, 1.00, 0.95, 0.92, 0.90,
                                       0.95, 1.05, 1.20, 1.40, 1.60, 1.70, 1.50, 1.00};

}  // namespace

std::span<const CategoryData> CategoryTable() { return kCategories; }

std::span<const std::string_view> Brands(BrandGroup group) {
  switch (group) {
    case BrandGroup::kTech:
      return kTech;
    case BrandGroup::kFashion:
      return kFashion;
    case BrandGroup::kHome:
      return kHome;
    case BrandGroup::kDiy:
      return kDiy;
    case BrandGroup::kFood:
      return kFood;
    case BrandGroup::kBeauty:
      return kBeauty;
    case BrandGroup::kSport:
      return kSport;
    case BrandGroup::kKids:
      return kKids;
    case BrandGroup::kMedia:
      return kMedia;
    case BrandGroup::kPet:
      return kPet;
    case BrandGroup::kTravel:
      return kTravel;
  }
  return kTech;
}

std::span<const std::string_view> SeriesWords() { return kSeries; }

double HourWeight(HourClass hours, int hour) { return kHourWeights[static_cast<int>(hours)][hour]; }

double ShoppingHourWeight(double hour) {
  const int h = static_cast<int>(hour) % 24;
  const double frac = hour - static_cast<int>(hour);
  return kShoppingHours[h] * (1 - frac) + kShoppingHours[(h + 1) % 24] * frac;
}

double WeekdayWeight(int weekday) {
  static constexpr double kWeekday[7] = {0.95, 0.95, 0.97, 1.0, 1.08, 1.25, 1.22};
  return kWeekday[weekday];
}

}  // namespace gm::generator::internal
