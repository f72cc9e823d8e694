"""Our few-shot exemplars: small pandas exercises with inline data, written for this project.

Each exercise has its data-making cell, the ARCADE schema text of the frames it makes, a
problem, one compact solution (the vanilla style) and the same solution decomposed into short
explained steps (the step-by-step styles). The tests run every solution on its data and check
that all styles give the same answer and that ``schema`` is what ``describe_variables`` says.

These exercises are deliberately unlike the ARCADE paper's own exemplars (and the evaluation's
test data): another domain each, and two frames joined in one of them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExemplarStep:
    """One step of a decomposed solution: what it does and why, then its code."""

    explanation: str
    code: str


@dataclass(frozen=True)
class Exemplar:
    """One worked exercise shown to the model before the user's problem."""

    title: str
    setup: str
    schema: str
    problem: str
    vanilla: str
    steps: tuple[ExemplarStep, ...]


BAKERY = Exemplar(
    title="bakery orders",
    setup="""orders = pd.DataFrame({
    "day": ["Mon", "Mon", "Tue", "Wed", "Wed", "Fri"],
    "item": ["croissant", "baguette", "croissant", "eclair", "baguette", "eclair"],
    "quantity": [12, 5, 9, 4, 7, 10],
    "unit_price": [2.5, 3.0, 2.5, 4.0, 3.0, 4.0],
})""",
    schema="""# Schema of Dataframes:
# Columns in orders with example values:
# day (Mon), item (croissant), quantity (12), unit_price (2.5)
""",
    problem="Which item brought in the most money over the week?",
    vanilla=(
        """(orders["quantity"] * orders["unit_price"]).groupby(orders["item"]).sum()"""
        """.idxmax()"""
    ),
    steps=(
        ExemplarStep(
            "Work out the money each order brought in: quantity times unit price",
            """revenue = orders["quantity"] * orders["unit_price"]""",
        ),
        ExemplarStep(
            "Add up the revenue of each item over all days",
            """revenue_by_item = revenue.groupby(orders["item"]).sum()""",
        ),
        ExemplarStep(
            "Take the item with the largest total",
            """revenue_by_item.idxmax()""",
        ),
    ),
)

LIBRARY = Exemplar(
    title="library loans",
    setup="""books = pd.DataFrame({
    "title": ["Dune", "Emma", "Ulysses", "Beloved", "Solaris", "Middlemarch"],
    "genre": ["sci-fi", "classic", "classic", "novel", "sci-fi", "classic"],
    "pages": [412, 474, 730, 324, 204, 880],
    "times_borrowed": [9, 2, 4, 7, 1, 5],
})""",
    schema="""# Schema of Dataframes:
# Columns in books with example values:
# title (Dune), genre (sci-fi), pages (412), times_borrowed (9)
""",
    problem=(
        "For each genre, what is the average page count of the books borrowed more than "
        "3 times? Sort from the longest to the shortest."
    ),
    vanilla=(
        """books[books["times_borrowed"] > 3].groupby("genre")["pages"].mean()"""
        """.sort_values(ascending=False)"""
    ),
    steps=(
        ExemplarStep(
            "Keep only the books borrowed more than 3 times",
            """popular = books[books["times_borrowed"] > 3]""",
        ),
        ExemplarStep(
            "Average the page count within each genre",
            """average_pages = popular.groupby("genre")["pages"].mean()""",
        ),
        ExemplarStep(
            "Sort so that the genre with the longest books comes first",
            """average_pages.sort_values(ascending=False)""",
        ),
    ),
)

WEATHER = Exemplar(
    title="weather readings",
    setup="""readings = pd.DataFrame({
    "city": ["Oslo", "Lima", "Oslo", "Lima", "Oslo", "Lima"],
    "date": ["2023-01-15", "2023-01-15", "2023-04-15", "2023-04-15", "2023-07-15", "2023-07-15"],
    "temp_c": [-4.5, 24.1, 5.3, 21.0, 17.2, 16.8],
})""",
    schema="""# Schema of Dataframes:
# Columns in readings with example values:
# city (Oslo), date (2023-01-15), temp_c (-4.5)
""",
    problem="What was the average temperature of each city in the first half of 2023?",
    vanilla=(
        """readings[pd.to_datetime(readings["date"]) < "2023-07-01"]"""
        """.groupby("city")["temp_c"].mean()"""
    ),
    steps=(
        ExemplarStep(
            "Turn the date text into real dates so that they can be compared",
            """readings["date"] = pd.to_datetime(readings["date"])""",
        ),
        ExemplarStep(
            "Keep the readings taken before July 2023, the first half of the year",
            """first_half = readings[readings["date"] < "2023-07-01"]""",
        ),
        ExemplarStep(
            "Average the temperature of each city",
            """first_half.groupby("city")["temp_c"].mean()""",
        ),
    ),
)

BIKE_TRIPS = Exemplar(
    title="bike trips",
    setup="""trips = pd.DataFrame({
    "trip_id": [101, 102, 103, 104, 105, 106, 107],
    "start_station": ["Harbor", "Park", "Harbor", "Museum", "Park", "Harbor", "Museum"],
    "duration_min": [12, 35, 48, 22, 8, 27, 41],
    "rider": ["member", "casual", "member", "member", "casual", "casual", "member"],
})""",
    schema="""# Schema of Dataframes:
# Columns in trips with example values:
# trip_id (101), start_station (Harbor), duration_min (12), rider (member)
""",
    problem=(
        "What percentage of the trips longer than 20 minutes were made by members? "
        "Round to one decimal."
    ),
    vanilla=(
        """round((trips.loc[trips["duration_min"] > 20, "rider"] == "member").mean() """
        """* 100, 1)"""
    ),
    steps=(
        ExemplarStep(
            "Keep the trips that lasted more than 20 minutes",
            """long_trips = trips[trips["duration_min"] > 20]""",
        ),
        ExemplarStep(
            "Mark the long trips made by members; the mean of the marks is their share",
            """member_share = (long_trips["rider"] == "member").mean()""",
        ),
        ExemplarStep(
            "Turn the share into a percentage with one decimal",
            """round(member_share * 100, 1)""",
        ),
    ),
)

SHOP = Exemplar(
    title="shop sales",
    setup="""products = pd.DataFrame({
    "product_id": [1, 2, 3, 4],
    "name": ["kettle", "toaster", "mug", "teapot"],
    "category": ["appliance", "appliance", "tableware", "tableware"],
})
transactions = pd.DataFrame({
    "product_id": [2, 3, 3, 1, 4, 2],
    "store": ["north", "north", "south", "south", "north", "south"],
    "units": [3, 10, 4, 2, 5, 1],
})""",
    schema="""# Schema of Dataframes:
# Columns in products with example values:
# product_id (1), name (kettle), category (appliance)
# Columns in transactions with example values:
# product_id (2), store (north), units (3)
""",
    problem="How many units were sold in each category, per store? Show the stores as columns.",
    vanilla=(
        """transactions.merge(products, on="product_id").pivot_table(\n"""
        """    index="category", columns="store", values="units", aggfunc="sum", fill_value=0\n"""
        """)"""
    ),
    steps=(
        ExemplarStep(
            "Attach each transaction's product category by joining the two tables on product_id",
            """with_category = transactions.merge(products, on="product_id")""",
        ),
        ExemplarStep(
            "Add up the units of every category and store pair",
            """units = with_category.groupby(["category", "store"])["units"].sum()""",
        ),
        ExemplarStep(
            "Move the stores into columns, with 0 where a category sold nothing",
            """units.unstack("store", fill_value=0)""",
        ),
    ),
)

EXEMPLARS: tuple[Exemplar, ...] = (BAKERY, LIBRARY, WEATHER, BIKE_TRIPS, SHOP)
"""All exemplars, in the order a prompt shows them."""

SETUP_IMPORTS = "import pandas as pd"
"""The one import the exemplars' data cells rely on; prompts show it once, first."""
