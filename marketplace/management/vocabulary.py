"""Words the data generator builds tasks, bids and organizations from.

Per category: title patterns, sentences a client writes about the need,
requirements, milestone names and the lines a supplier opens a cover letter
with. Slots in braces are filled from the shared pools below (or the
category's own ``slots``), so full-text search has real, varied words to
match: common ones ("monthly", "website"), category ones ("payroll",
"bookkeeping") and rare ones ("vineyard", "DATEV").

Plain ASCII without tabs or backslashes: the generator writes these straight
into PostgreSQL COPY text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CategoryWords:
    slug: str
    titles: tuple[str, ...]
    needs: tuple[str, ...]
    requirements: tuple[str, ...]
    milestones: tuple[str, ...]
    pitches: tuple[str, ...]
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    budget_range: tuple[int, int] = (300, 8000)  # whole units of EUR, fixed-price
    hourly_range: tuple[int, int] = (25, 90)  # EUR per hour


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _phrases(text: str) -> tuple[str, ...]:
    return tuple(" ".join(part.split()) for part in text.split(",") if part.strip())


BUSINESSES = tuple(
    f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
    for kind in _phrases(
        """
    family bakery, 12-person architecture practice, boutique hotel, regional logistics company, dental
    practice, craft brewery, vineyard and wine shop, physiotherapy clinic, small law firm, chain of
    three coffee shops, software startup, property management company, language school, furniture maker,
    veterinary clinic, non-profit youth charity, fashion label, engineering consultancy, garden centre,
    marina and boat repair yard, pharmacy, yoga studio, recruitment agency, food importer, bicycle shop,
    co-working space, private kindergarten, events agency, solar panel installer, bookshop and cafe,
    cheese dairy, organic farm, climbing gym, car dealership, printing house, translation bureau, tea
    importer, ceramics workshop, music school, tattoo studio, hearing aid retailer, optician, florist,
    butcher shop, bakery franchise, roofing company, plumbing firm, electrical contractor, interior
    design studio, photography studio, film production company, theatre company, museum shop, zoo, golf
    club, sailing school, ski rental shop, camping site, hostel, bed and breakfast, seafood restaurant,
    pizza restaurant, vegan restaurant, catering company, chocolate maker, distillery, cider maker,
    olive oil importer, spice merchant, pet food brand, toy shop, jewellery workshop, watch repair shop,
    bridal boutique, hair salon, beauty clinic, fitness studio, nursing home, home care service, medical
    laboratory, biotech startup, robotics startup, drone survey company, wind farm operator, recycling
    company, moving company, courier service, taxi company, driving school, security company, locksmith,
    cleaning products wholesaler, shipping agent, customs broker, insurance broker, mortgage adviser,
    tax adviser, housing cooperative, sports club, school for adults, coding bootcamp, e-bike rental
        """
    )
)

# "{}" is filled from SPECIALITIES: one sentence in most descriptions, the rare words.
DETAILS = (
    "We are best known for our {}.",
    "Most of our revenue comes from {}.",
    "Next year we want to grow our {} business.",
    "Customers know us for {}.",
)
SPECIALITIES = _split(
    """
    sourdough espresso gelato marzipan saffron truffles kombucha prosecco sauerkraut tortillas dumplings
    macarons baklava croissants paella ramen sushi tapas falafel goulash pierogi risotto strudel halloumi
    kimchi tempeh quinoa matcha oolong cashmere linen denim leather wool silk ceramics porcelain terracotta
    mosaics stained-glass woodturning upholstery parquet terrazzo marble granite bamboo rattan wicker
    kayaks paddleboards snowboards skateboards unicycles tandems scooters surfboards sailboats canoes
    telescopes microscopes drones lasers sensors thermostats heatpumps inverters batteries turbines
    orthotics prosthetics implants dentures retainers hearing-aids contact-lenses spectacles sunglasses
    aquariums terrariums bonsai orchids succulents tulips lavender hops barley rye buckwheat lentils
    chickpeas almonds hazelnuts pistachios walnuts chestnuts figs apricots cherries blueberries cranberries
    cider mead vermouth gin whisky rum tequila sake absinthe grappa limoncello
    """
)

PERIODS = ("Q1", "Q2", "Q3", "Q4", "the last financial year", "the coming quarter", "2024", "2025")
TEAM_SIZES = ("5", "8", "12", "15", "20", "25", "40", "60", "85", "120", "250")
ROLES = ("office manager", "managing director", "finance lead", "operations manager", "founder", "head of marketing")

# Closing lines any client might write.
CLOSINGS = (
    "Please include a short plan, your availability and two references in your bid.",
    "Tell us how you would approach this and what you need from us to start.",
    "We prefer a fixed weekly check-in call and clear written updates.",
    "Bids with a breakdown into milestones are easier for us to compare.",
    "We are happy to share more details with shortlisted suppliers.",
    "Our team works in English; documentation should be in English too.",
    "Start as soon as possible; the deadline is firm.",
    "Long-term cooperation is possible if the first project goes well.",
)

# Lines any supplier might close a cover letter with.
SIGN_OFFS = (
    "Happy to do a short call this week.",
    "References available on request.",
    "We can start next Monday.",
    "Our proposal includes two revision rounds.",
    "Looking forward to working together.",
    "Fixed price, no hidden costs.",
)

CATEGORIES: tuple[CategoryWords, ...] = (
    CategoryWords(
        slug="accounting-and-bookkeeping",
        titles=(
            "Monthly bookkeeping for {biz}",
            "Year-end accounts for {biz}",
            "VAT return preparation for {period}",
            "Catch up on six months of bookkeeping in {tool}",
            "Migrate our books from {tool} to {tool2}",
            "Bank reconciliation and expense categorisation",
            "Accounts payable support for {biz}",
            "Set up a chart of accounts in {tool}",
            "Quarterly management accounts and cash flow forecast",
            "Bookkeeper for receipts, invoices and reconciliations",
        ),
        needs=(
            "We need someone to keep our books in {tool} up to date every month.",
            "Invoices and receipts arrive by email and need to be recorded and matched to bank transactions.",
            "Our VAT returns for {period} are due and nobody in-house has time to prepare them.",
            "The previous bookkeeper left and the ledger has not been reconciled for several months.",
            "We want monthly management accounts with a simple profit and loss and cash flow view.",
            "About {n} supplier invoices a month need coding, approval and payment runs.",
            "Year-end accounts must be ready for our auditor and the tax filing.",
        ),
        requirements=(
            "Experience with {tool} is essential; {tool2} is a plus.",
            "A qualified accountant or bookkeeper with small-business clients.",
            "You must be comfortable with multi-currency transactions.",
            "Knowledge of local VAT rules and filing deadlines is required.",
        ),
        milestones=(
            "Ledger review and clean-up",
            "Bank reconciliation",
            "VAT return filed",
            "Management accounts delivered",
            "Year-end pack for the auditor",
        ),
        pitches=(
            "We keep the books for over {n} small businesses and work in {tool} every day.",
            "Chartered accountant with ten years of bookkeeping and VAT experience.",
            "Our team reconciles accounts within two working days of month end.",
        ),
        slots={"tool": ("Xero", "QuickBooks", "DATEV", "Sage", "FreeAgent", "Exact Online")},
        budget_range=(300, 6000),
        hourly_range=(30, 85),
    ),
    CategoryWords(
        slug="payroll",
        titles=(
            "Monthly payroll for {size} employees",
            "Payroll provider for {biz}",
            "Move payroll to {tool} from spreadsheets",
            "Payslips, pension filings and employment tax for {size} staff",
            "Year-end payroll reconciliation",
            "Payroll for a new office in {city}",
            "Contractor and employee payroll runs",
        ),
        needs=(
            "We run payroll for {size} employees and want an external provider to take it over.",
            "Payslips must be sent on the 25th of each month, together with the pension filings.",
            "Our payroll is still in spreadsheets and we want to move to {tool}.",
            "Starters, leavers, sick pay and bonuses need to be handled every month.",
            "We are opening an office in {city} and need payroll set up for the new team.",
            "Employment tax returns and year-end statements must be filed on time.",
        ),
        requirements=(
            "Experience running payroll with {tool} for companies of our size.",
            "You must know the local pension and employment tax rules.",
            "Strict confidentiality: salary data stays within your team.",
            "Replies to employee questions within one working day.",
        ),
        milestones=("Payroll set-up and data migration", "First payroll run", "Pension filing", "Year-end statements"),
        pitches=(
            "We run payroll for {n} companies and have never missed a pay date.",
            "Certified payroll specialists with {tool} experience.",
            "We handle payslips, pension filings and employment tax in one monthly fee.",
        ),
        slots={"tool": ("DATEV", "Sage Payroll", "BrightPay", "Personio", "Gusto", "Xero Payroll")},
        budget_range=(400, 7000),
        hourly_range=(30, 80),
    ),
    CategoryWords(
        slug="cleaning-and-facilities",
        titles=(
            "Office cleaning three times a week in {city}",
            "Deep cleaning after renovation",
            "Window cleaning for a {size}-desk office",
            "Facilities management for {biz}",
            "Daily cleaning of a clinic and waiting room",
            "Carpet and upholstery cleaning",
            "Caretaker for a shared office building",
        ),
        needs=(
            "Our office in {city} has {size} desks, two meeting rooms and a kitchen.",
            "Cleaning should happen in the evening after 18:00 so it does not disturb the team.",
            "After the renovation the floors, windows and kitchen need a thorough deep clean.",
            "We need someone to take care of small repairs, light bulbs and waste collection.",
            "Hygiene standards matter: it is a medical practice with patients every day.",
            "Supplies and equipment should be provided by the cleaning company.",
        ),
        requirements=(
            "Insured cleaning company with references from offices of a similar size.",
            "Staff must be vetted and able to work with a key card.",
            "Eco-friendly cleaning products preferred.",
            "A fixed team so the same people come every week.",
        ),
        milestones=("Initial deep clean", "First month of cleaning", "Quarterly window cleaning", "Inspection walk"),
        pitches=(
            "We clean {n} offices in {city} and bring our own eco-friendly supplies.",
            "Fully insured facilities team with a fixed crew per client.",
            "Our deep cleaning crew finishes most offices in one evening.",
        ),
        budget_range=(200, 5000),
        hourly_range=(18, 40),
    ),
    CategoryWords(
        slug="it-maintenance-and-support",
        titles=(
            "IT support for {size} staff",
            "Help desk and device management for {biz}",
            "Migrate email to Microsoft 365",
            "Set up backups and disaster recovery",
            "Office network and Wi-Fi upgrade in {city}",
            "Managed IT services, remote and on-site",
            "Laptop rollout and onboarding for new hires",
            "Firewall and VPN configuration",
        ),
        needs=(
            "We have {size} laptops, a few printers and a small server that nobody really looks after.",
            "Staff need a help desk they can call or email when something breaks.",
            "Our email is still on an old hosting provider and should move to Microsoft 365.",
            "Backups are not tested and we want a proper disaster recovery plan.",
            "The Wi-Fi in our {city} office drops several times a day.",
            "New employees should get a configured laptop and accounts on their first day.",
        ),
        requirements=(
            "Experience with {tool} and small-business networks.",
            "Remote support during office hours, on-site visits when needed.",
            "Clear documentation of every system you set up.",
            "Security first: multi-factor authentication and device encryption.",
        ),
        milestones=(
            "Audit of devices and network",
            "Migration completed",
            "Backup system live",
            "Handover and documentation",
        ),
        pitches=(
            "We support {n} small offices and answer help desk tickets within an hour.",
            "Microsoft certified engineers with on-site coverage in {city}.",
            "We document everything we touch and hand you the keys.",
        ),
        slots={"tool": ("Microsoft 365", "Google Workspace", "Intune", "Ubiquiti", "Synology", "Jamf")},
        budget_range=(400, 12000),
        hourly_range=(35, 110),
    ),
    CategoryWords(
        slug="software-development",
        titles=(
            "Build a booking website for {biz}",
            "Django developer to extend our customer portal",
            "Mobile app for loyalty cards",
            "Integrate our shop with {tool} via API",
            "React front end for an internal dashboard",
            "Fix performance problems in a PostgreSQL database",
            "Shopify store with custom checkout",
            "Automate invoice import with a Python script",
            "Maintain and update our WordPress website",
        ),
        needs=(
            "We want customers to book and pay online instead of calling us.",
            "The existing application is written in Python and Django and needs new features.",
            "Our shop and warehouse system do not talk to each other; orders are typed in twice.",
            "Pages take several seconds to load and the database is the bottleneck.",
            "We need an API integration with {tool} so stock levels stay in sync.",
            "The website should be fast, accessible and easy for our staff to update.",
            "Automated tests and a short handover document are part of the job.",
        ),
        requirements=(
            "Solid experience with {stack}.",
            "Code in a Git repository we own, with tests and a README.",
            "You will work with our {role} who knows the business side.",
            "Previous work you can show us, ideally in a similar industry.",
        ),
        milestones=(
            "Specification and wireframes",
            "First working version",
            "Integration and testing",
            "Launch and handover",
        ),
        pitches=(
            "We are a team of {n} developers building web applications with {stack}.",
            "I have shipped several booking and e-commerce projects like yours.",
            "We write tests for everything and deploy continuously.",
        ),
        slots={
            "tool": ("Stripe", "Shopify", "HubSpot", "Salesforce", "Xero", "Mailchimp"),
            "stack": (
                "Python and Django",
                "React and TypeScript",
                "PostgreSQL",
                "Flutter",
                "Node.js",
                "PHP and Laravel",
            ),
        },
        budget_range=(800, 40000),
        hourly_range=(45, 140),
    ),
    CategoryWords(
        slug="design",
        titles=(
            "Logo and brand identity for {biz}",
            "Packaging design for a new product line",
            "UI design for a mobile app in Figma",
            "Redesign our website",
            "Illustrations for a children's book",
            "Label design for {biz}",
            "Trade fair stand and brochure design",
            "UX research and usability testing",
        ),
        needs=(
            "We are launching a new brand and need a logo, colours and typography.",
            "The packaging must stand out on the shelf and work in two languages.",
            "Our app works but looks dated; we want a clean, modern interface designed in Figma.",
            "We would like a set of illustrations in a warm, hand-drawn style.",
            "Brochures and a stand for the trade fair in {city} next spring.",
            "Usability tests with five to eight customers should show where people get stuck.",
        ),
        requirements=(
            "A portfolio with brand identity or packaging work.",
            "Files delivered in vector formats and a short brand guide.",
            "Two rounds of revisions included.",
            "Experience with {tool}.",
        ),
        milestones=(
            "Moodboard and concepts",
            "Chosen concept refined",
            "Final files and brand guide",
            "Print-ready artwork",
        ),
        pitches=(
            "Our studio has designed brands and packaging for {n} food and drink companies.",
            "Portfolio attached; we work in {tool} and deliver print-ready files.",
            "Two revision rounds included, and a brand guide your printer will thank you for.",
        ),
        slots={"tool": ("Figma", "Adobe Illustrator", "InDesign", "Procreate", "Sketch")},
        budget_range=(300, 15000),
        hourly_range=(35, 110),
    ),
    CategoryWords(
        slug="marketing",
        titles=(
            "SEO audit and content plan",
            "Google Ads campaign for {biz}",
            "Social media management, three posts a week",
            "Email marketing newsletter in {tool}",
            "Marketing analytics and conversion tracking",
            "Launch campaign for a new product",
            "Local marketing for a new shop in {city}",
        ),
        needs=(
            "Our website gets little organic traffic and we do not rank for our main keywords.",
            "We want a paid campaign with a monthly budget and clear reporting on leads.",
            "Someone should plan, write and schedule posts on Instagram and LinkedIn.",
            "A monthly newsletter to {n} subscribers, with templates we can reuse.",
            "We do not know which channels bring customers; tracking is not set up properly.",
            "We are opening in {city} and want people in the neighbourhood to know about it.",
        ),
        requirements=(
            "Proven results with campaigns for {biz_short} or similar businesses.",
            "Monthly reports with the numbers that matter, not vanity metrics.",
            "Experience with {tool}.",
            "Copy in English; German or French is a bonus.",
        ),
        milestones=("Audit and strategy", "Campaign set-up", "First month of campaigns", "Report and recommendations"),
        pitches=(
            "We have grown organic traffic for {n} small businesses, with case studies to show.",
            "Certified Google Ads partner; we report on leads, not clicks.",
            "We plan, write and schedule content so you never have to think about it.",
        ),
        slots={
            "tool": ("Mailchimp", "Google Analytics", "Google Ads", "HubSpot", "Meta Ads", "Semrush"),
            "biz_short": ("restaurants", "clinics", "shops", "hotels", "software companies", "charities"),
        },
        budget_range=(300, 10000),
        hourly_range=(30, 100),
    ),
    CategoryWords(
        slug="writing-and-translation",
        titles=(
            "Translate our website from English to {language}",
            "Technical writing for product documentation",
            "Copywriting for a new website",
            "Proofreading of an annual report",
            "Blog articles about {topic}, four a month",
            "Translate contracts and terms into {language}",
            "Write case studies from customer interviews",
        ),
        needs=(
            "Around {n} pages need translating into {language}, keeping our tone of voice.",
            "Our product documentation is out of date and written by engineers for engineers.",
            "We need clear, friendly copy for every page of the new website.",
            "The annual report is written; it needs careful proofreading before print.",
            "Four articles a month about {topic}, researched and ready to publish.",
        ),
        requirements=(
            "Native speaker of {language} with translation experience.",
            "Writing samples in a similar field.",
            "Familiarity with {tool}.",
            "Deadlines matter: articles are published on a fixed schedule.",
        ),
        milestones=("Glossary and sample", "First half translated", "Full draft", "Final proofread version"),
        pitches=(
            "Native {language} translator with {n} published translations.",
            "Technical writer who turns engineering notes into documentation people read.",
            "I write web copy that is clear, friendly and ranks well.",
        ),
        slots={
            "language": ("German", "French", "Spanish", "Italian", "Dutch", "Polish", "Portuguese", "Swedish"),
            "topic": ("sustainable packaging", "personal finance", "remote work", "food safety", "cyber security"),
            "tool": ("WordPress", "Confluence", "Markdown", "memoQ", "Trados"),
        },
        budget_range=(150, 5000),
        hourly_range=(25, 80),
    ),
    CategoryWords(
        slug="legal",
        titles=(
            "Review of supplier contracts",
            "GDPR compliance check for {biz}",
            "Company formation in {country_name}",
            "Employment contracts and handbook",
            "Terms and conditions for an online shop",
            "Trademark registration for our brand",
        ),
        needs=(
            "We sign supplier contracts every month and want a lawyer to review the standard terms.",
            "We process customer data and are not sure our privacy notices and records are complete.",
            "We are expanding and need a subsidiary set up in {country_name}.",
            "Our employment contracts are old templates; we need updated ones and a staff handbook.",
            "The online shop needs terms and conditions, a returns policy and a privacy policy.",
        ),
        requirements=(
            "Qualified lawyer registered in {country_name}.",
            "Fixed fee preferred over hourly billing.",
            "Plain-language explanations for non-lawyers.",
            "Experience with small and medium businesses.",
        ),
        milestones=("Initial review and questions", "Draft documents", "Final documents", "Filing completed"),
        pitches=(
            "Commercial lawyers with {n} years of experience advising small businesses.",
            "We explain contracts in plain language and quote fixed fees.",
            "GDPR specialists; we have audited data protection for dozens of firms.",
        ),
        slots={"country_name": ("Germany", "Ireland", "the Netherlands", "Spain", "the United Kingdom", "France")},
        budget_range=(400, 12000),
        hourly_range=(80, 250),
    ),
    CategoryWords(
        slug="administrative-support",
        titles=(
            "Virtual assistant for a busy {role_title}",
            "Data entry of {n} product records",
            "Scheduling and inbox management",
            "Market research on competitors",
            "Travel booking and expense reports",
            "Clean up our CRM contacts",
        ),
        needs=(
            "Our {role} spends hours on email and calendar; we want an assistant to take it over.",
            "About {n} product records need typing from PDFs into our system.",
            "We need a list of competitors with prices, services and locations in a spreadsheet.",
            "Travel for the sales team must be booked and expenses collected every month.",
            "The CRM has thousands of duplicate and outdated contacts.",
        ),
        requirements=(
            "Excellent written English and attention to detail.",
            "Available during European office hours.",
            "Experience with {tool}.",
            "Discretion: you will see confidential information.",
        ),
        milestones=("Onboarding and access", "First week of support", "Data entry completed", "Research report"),
        pitches=(
            "Experienced virtual assistant supporting {n} managing directors.",
            "Fast, accurate data entry with double-checking included.",
            "I keep inboxes at zero and calendars sane.",
        ),
        slots={
            "tool": ("Google Sheets", "Excel", "HubSpot", "Salesforce", "Notion", "Trello"),
            "role_title": ("managing director", "founder", "sales director", "practice owner"),
        },
        budget_range=(100, 3000),
        hourly_range=(15, 45),
    ),
    CategoryWords(
        slug="customer-service",
        titles=(
            "Outsourced customer support by email and chat",
            "Phone support for {biz}",
            "Set up a help desk in {tool}",
            "Weekend live chat coverage",
            "Multilingual support in English and {language}",
            "Customer service for the holiday season",
        ),
        needs=(
            "We receive about {n} customer emails a day and cannot keep up.",
            "Customers expect answers by phone during office hours.",
            "We want a help desk in {tool} with macros and a small knowledge base.",
            "Live chat on our shop should be answered on weekends too.",
            "Many customers write in {language}, and nobody in the team speaks it.",
        ),
        requirements=(
            "Experience with {tool}.",
            "Friendly, clear written communication.",
            "Coverage for at least eight hours a day.",
            "Native or fluent {language}.",
        ),
        milestones=("Help desk set-up", "Training on our products", "First month of support", "Monthly report"),
        pitches=(
            "Our support team answers {n} tickets a day for online shops.",
            "Multilingual agents in English and {language}, coverage seven days a week.",
            "We set up {tool} help desks and run them for you.",
        ),
        slots={
            "tool": ("Zendesk", "Freshdesk", "Intercom", "Help Scout", "Gorgias"),
            "language": ("German", "French", "Spanish", "Italian", "Dutch", "Polish"),
        },
        budget_range=(300, 9000),
        hourly_range=(18, 50),
    ),
)

# Places: (country, cities, time zone, currency, languages)
PLACES: tuple[tuple[str, tuple[str, ...], str, str, tuple[str, ...], int], ...] = (
    # country, cities, zone, currency, languages, weight
    (
        "GB",
        ("London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol"),
        "Europe/London",
        "GBP",
        ("English",),
        14,
    ),
    (
        "DE",
        ("Berlin", "Munich", "Hamburg", "Cologne", "Frankfurt", "Stuttgart"),
        "Europe/Berlin",
        "EUR",
        ("German", "English"),
        14,
    ),
    (
        "US",
        ("New York", "Chicago", "Austin", "Boston", "Seattle", "Denver"),
        "America/New_York",
        "USD",
        ("English",),
        12,
    ),
    (
        "FR",
        ("Paris", "Lyon", "Marseille", "Toulouse", "Lille", "Bordeaux"),
        "Europe/Paris",
        "EUR",
        ("French", "English"),
        8,
    ),
    ("NL", ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"), "Europe/Amsterdam", "EUR", ("Dutch", "English"), 6),
    ("ES", ("Madrid", "Barcelona", "Valencia", "Seville"), "Europe/Madrid", "EUR", ("Spanish", "English"), 6),
    ("IE", ("Dublin", "Cork", "Galway"), "Europe/Dublin", "EUR", ("English",), 4),
    ("IT", ("Milan", "Rome", "Turin", "Bologna"), "Europe/Rome", "EUR", ("Italian", "English"), 5),
    ("PT", ("Lisbon", "Porto", "Braga"), "Europe/Lisbon", "EUR", ("Portuguese", "English"), 4),
    ("PL", ("Warsaw", "Krakow", "Wroclaw", "Gdansk"), "Europe/Warsaw", "PLN", ("Polish", "English"), 5),
    ("AT", ("Vienna", "Graz", "Salzburg"), "Europe/Vienna", "EUR", ("German",), 3),
    ("CH", ("Zurich", "Geneva", "Basel"), "Europe/Zurich", "CHF", ("German", "French", "English"), 3),
    ("SE", ("Stockholm", "Gothenburg", "Malmo"), "Europe/Stockholm", "SEK", ("Swedish", "English"), 3),
    ("DK", ("Copenhagen", "Aarhus"), "Europe/Copenhagen", "DKK", ("Danish", "English"), 2),
    ("CZ", ("Prague", "Brno"), "Europe/Prague", "CZK", ("Czech", "English"), 2),
    ("CA", ("Toronto", "Vancouver", "Montreal"), "America/Toronto", "CAD", ("English", "French"), 3),
    ("AU", ("Sydney", "Melbourne", "Brisbane"), "Australia/Sydney", "AUD", ("English",), 2),
    ("IN", ("Bangalore", "Mumbai", "Pune"), "Asia/Kolkata", "INR", ("English", "Hindi"), 3),
    ("JP", ("Tokyo", "Osaka"), "Asia/Tokyo", "JPY", ("Japanese", "English"), 1),
)

# Minor units of a currency per whole euro, roughly: budgets read naturally in every currency.
MINOR_PER_EUR = {
    "EUR": 100,
    "GBP": 85,
    "USD": 110,
    "CHF": 95,
    "SEK": 1150,
    "NOK": 1150,
    "DKK": 745,
    "PLN": 430,
    "CZK": 2500,
    "CAD": 150,
    "AUD": 165,
    "INR": 9000,
    "JPY": 160,  # no minor unit: one yen
}

FIRST_NAMES = _split(
    """
    Anna Ben Clara David Elena Farid Greta Hugo Ines Jonas Kira Luca Maya Nils Olga Pablo Quinn Rosa
    Sami Tara Ugo Vera Wim Xenia Yusuf Zoe Amir Bea Chen Dana Emil Fatima Gabriel Hana Ivan Julia
    """
)
LAST_NAMES = _split(
    """
    Schmidt Murphy Rossi Garcia Nowak Jansen Dubois Silva Andersson Kowalski Smith Brown Weber Moreau
    Costa Novak Larsen Kelly Fischer Martin Lopez Bianchi Ferreira Nielsen Horvat Patel Tanaka Okafor
    Haddad Walsh
    """
)
FIRM_WORDS = _split(
    """
    Blue Harbor Summit Oak Northern Bright Cedar Silver Granite Maple Copper Lumen Atlas Meridian
    Riverside Vertex Orchard Beacon Keystone Alder Nimbus
    """
)
FIRM_SUFFIXES = (
    "Consulting",
    "Partners",
    "Studio",
    "Solutions",
    "Services",
    "Group",
    "Works",
    "Labs",
    "& Co",
    "Associates",
    "Trading",
    "Collective",
)
HEADLINES = (
    "Reliable {category} for small and medium businesses",
    "{category} specialists since 2012",
    "Friendly, fast {category} with fixed prices",
    "{category}: remote, on-site or both",
)
