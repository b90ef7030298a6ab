"""English demo texts for Pardis Market (fiction). Slots are filled by demo.scripts.

Slots: {order} {product} {code} {plan} {plan2} {amount} {amount2} {fee} {days} {date} {later}
{city} {dest} {invoice} {gb} {courier} {times} {times_ordinal} {hours} {size} {last4} {name}
{agent} {team}.
"""

from __future__ import annotations

SCENARIOS: dict[str, dict[str, list[str]]] = {
    "late_delivery": {
        "subject": ["Where is my order {order}?", "Order {order} still not delivered",
                    "Delivery delay - {order}", "Late delivery"],
        "open": [
            "Hi, I ordered the {product} {days} ago (order {order}) and the tracking page has "
            "said \"out for delivery\" since {date}. Nobody has turned up. Can you check with "
            "{courier}?",
            "Hello, my order {order} was supposed to arrive on {date}. It's now {days} later "
            "and I still have nothing. I'm in {city} if that helps.",
            "Hi there, could you tell me what's happening with order {order}? It was a "
            "birthday present ({product}) and the party was yesterday.",
            "Hello, tracking for {order} hasn't moved in {days}. Is the parcel lost?",
        ],
        "angry": [
            "This is ridiculous. Order {order} was promised for {date} and it's still not here. "
            "I've paid {fee} for next-day delivery and got nothing. I want a refund of the "
            "shipping at the very least.",
            "Third time checking the tracking today. Order {order} is STILL \"in transit\". "
            "Nobody answers the phone. Honestly, never again.",
            "{courier} marked my parcel as delivered. It was NOT delivered. I was at home all "
            "day in {city}. Sort this out please, order {order}.",
        ],
        "follow": [
            "Any news on {order}? Still nothing at my door.",
            "The courier just called and said the parcel is at the depot in {city}. Can they "
            "bring it tomorrow morning instead?",
            "I checked with my neighbours, nobody took it in.",
        ],
        "reply": [
            "I've checked order {order} with {courier}: the parcel was held at their {city} "
            "depot because of a sorting backlog. It's been put on the first van tomorrow and you "
            "should receive a text with a two-hour window in the morning.",
            "I can see the parcel for {order} was scanned at the {city} hub on {date} and hasn't "
            "moved since. I've opened a trace with {courier}; they usually come back to us "
            "within {hours}. I'll keep an eye on it for you.",
            "Your order {order} left our warehouse on {date}, but the courier lost track of it. "
            "Rather than make you wait, I've sent a replacement {product} by express today at no "
            "cost, and refunded the {fee} delivery charge.",
        ],
        "ask": [
            "Could you confirm the delivery address and a phone number the driver can reach you "
            "on? Then I'll rebook the delivery straight away.",
            "Could you send me a photo of the front door or the building entrance? The driver "
            "uploaded a delivery photo and I'd like to compare.",
        ],
        "resolve": [
            "Good news: {courier} confirms order {order} was delivered this morning. I've also "
            "added a {fee} voucher to your account for the trouble.",
            "The replacement for {order} was delivered today. The delivery fee of {fee} is "
            "refunded and should show on your card within 3-5 working days.",
        ],
        "note": [
            "Courier trace opened with {courier}, ref {invoice}. Check again in {hours}.",
            "Third late delivery for this postcode in {city} this week - flagging to logistics.",
            "Customer asked for compensation. Approved {fee} voucher under the late-delivery "
            "policy.",
        ],
    },
    "damaged_item": {
        "subject": ["Item arrived damaged", "Broken {product} - order {order}",
                    "Damaged parcel"],
        "open": [
            "Hi, I opened the parcel for order {order} and the {product} is cracked on one "
            "side. The box itself looked fine. Photos attached. What should I do?",
            "Hello, the {product} I received today (order {order}) doesn't turn on and the "
            "screen has a dent in the corner. Can I get a replacement?",
            "Hi, the glass panel on my {product} was smashed when it arrived. The courier "
            "didn't wait for me to check. Order {order}.",
        ],
        "angry": [
            "The {product} arrived smashed to pieces. Whoever packed this clearly didn't care. "
            "I paid {amount} for it. I want a new one sent today, not a form to fill in.",
            "Second damaged item in a row from you. Order {order}, {product}, broken again. "
            "What is going on with your packaging?",
        ],
        "follow": [
            "I've attached two more photos of the damage and one of the box.",
            "Do I need to keep the packaging for the courier?",
        ],
        "reply": [
            "Thank you for the photos, they make it very clear. I've arranged a free collection "
            "of the damaged {product} and a replacement will be dispatched as soon as the "
            "courier scans it.",
            "I've sent a replacement {product} for order {order} today; you don't need to wait "
            "for the return. The courier will collect the damaged one when they deliver the new "
            "one.",
        ],
        "ask": [
            "Could you send me a photo of the damage and one of the outer box, including the "
            "shipping label? That lets me raise the claim with {courier}.",
        ],
        "resolve": [
            "The replacement {product} has been delivered and the damaged one collected. I've "
            "closed the claim on our side.",
            "As requested, I've refunded {amount} in full for order {order} instead of a "
            "replacement. You'll see it in 3-5 working days.",
        ],
        "note": [
            "Damage claim raised with {courier}, photos saved to the order. Replacement "
            "approved.",
            "Warehouse: please check packing for {code}, two breakage reports this week.",
        ],
    },
    "refund_request": {
        "subject": ["Refund for order {order}", "Where is my refund?", "Refund request"],
        "open": [
            "Hi, I returned the {product} on {date} and the tracking shows you received it. "
            "I haven't had the refund of {amount} yet. Could you check?",
            "Hello, I'd like to cancel order {order} and get my money back. It hasn't been "
            "dispatched yet according to the app.",
            "Hi, you refunded {amount2} but I paid {amount} for order {order}. I think part of "
            "it is missing.",
        ],
        "angry": [
            "You've had my return for {days} and I still haven't got my {amount} back. This is "
            "my money. If it isn't refunded by Friday I'm going to my bank.",
            "Every time I ask about the refund for {order} I get told \"5-7 working days\". "
            "It's been {days}. Stop fobbing me off.",
        ],
        "follow": [
            "Still no refund on my statement. Which card did you send it to?",
            "My bank says they have nothing pending from Pardis Market.",
        ],
        "reply": [
            "I've checked order {order}: the return was received on {date} and the refund of "
            "{amount} was issued today to the card ending {last4}. Banks usually take 3-5 "
            "working days to show it.",
            "The refund was stuck because the returned {product} hadn't been checked in by the "
            "warehouse. I've pushed it through manually, so {amount} is on its way back to you.",
            "Order {order} was cancelled before dispatch, and I've refunded the full {amount} "
            "to your original payment method.",
        ],
        "ask": [
            "Could you send me the return tracking number? I can't find a return linked to "
            "{order} yet.",
        ],
        "resolve": [
            "The refund of {amount} for order {order} has been processed; the bank reference is "
            "{invoice}.",
        ],
        "note": [
            "Refund stuck in 'awaiting inspection' for {days}. Overrode inspection, refund "
            "issued.",
            "Partial refund mismatch: paid {amount}, refunded {amount2}. Finance to check the "
            "voucher split.",
        ],
    },
    "wrong_size": {
        "subject": ["Exchange - wrong size", "Return {order}", "Wrong item received"],
        "open": [
            "Hi, the trainers I ordered are a size {size} but they come up really small. Can I "
            "swap them for one size up? Order {order}.",
            "Hello, I received a different colour from the one I ordered (order {order}). I "
            "wanted navy and got black. How do I exchange it?",
            "Hi, the jacket in order {order} is too big. I'd like to return it, how does that "
            "work?",
        ],
        "angry": [
            "I ordered a size {size}, the label says {size}, and it fits like a child's size. "
            "And now you want me to pay for return postage? No.",
        ],
        "follow": [
            "I've printed the label. Can I drop it at any post office?",
            "Is the bigger size still in stock? I'd rather exchange than refund.",
        ],
        "reply": [
            "I've sent you a prepaid return label by email. Drop the parcel at any {courier} "
            "point and, as soon as it's scanned, we'll send out size {size}.",
            "I've reserved the size {size} for you so it doesn't sell out while the return is "
            "on its way. Returns are free for exchanges.",
        ],
        "ask": [
            "Which size would you like instead? Size {size} is in stock right now.",
        ],
        "resolve": [
            "Your exchange for order {order} has been sent out; the new tracking number is in "
            "your email.",
        ],
        "note": [
            "Size chart for this brand runs small - third exchange this month. Asked "
            "merchandising to add a note to the product page.",
        ],
    },
    "billing_error": {
        "subject": ["Charged twice", "Invoice {invoice} is wrong", "Billing error on my account"],
        "open": [
            "Hi, I've been charged twice for order {order}: two payments of {amount} on {date}. "
            "Could you refund one of them?",
            "Hello, invoice {invoice} shows {amount} but my plan is {amount2} a month. I haven't "
            "changed anything.",
            "Hi, my bill for this month includes a 'device insurance' line I never signed up "
            "for.",
        ],
        "angry": [
            "You've taken {amount} from my account when my bill should be {amount2}. That's the "
            "second month running. I want the difference back today and an explanation.",
            "Invoice {invoice} is completely wrong and your chat bot keeps sending me the same "
            "useless link. I want to speak to a person.",
        ],
        "follow": [
            "Any update on the double charge? It's still showing on my bank app.",
            "Will the correction appear on next month's invoice or as a refund?",
        ],
        "reply": [
            "You're right: the payment for order {order} went through twice because of a "
            "timeout at the payment provider. I've refunded the duplicate {amount} today.",
            "I've gone through invoice {invoice}: a discount on your {plan} plan expired on "
            "{date}, which is why it went up. I've re-applied it for another 12 months and "
            "credited {amount} to your account.",
            "The insurance add-on was added by mistake. I've removed it and refunded {amount}.",
        ],
        "ask": [
            "Could you send me a screenshot of the two payments from your bank app (you can "
            "hide the card number)?",
        ],
        "resolve": [
            "The credit of {amount} is now on your account and your next invoice will show the "
            "corrected amount of {amount2}.",
        ],
        "note": [
            "Payment gateway timeout on {date} - duplicate capture confirmed. Refunded.",
            "Promo code expired without notice. Re-applied, and raised with billing to email "
            "customers before promos end.",
        ],
    },
    "mobile_data": {
        "subject": ["Mobile data not working", "No 4G since {date}", "Data not working"],
        "open": [
            "Hi, my mobile data stopped working this morning. Calls and texts are fine but "
            "nothing loads. My number ends {last4}.",
            "Hello, I have {gb}GB left on my {plan} plan but I only get 'no internet' since "
            "{date}. I've restarted the phone twice.",
            "Hi, data works at home but not in {city} centre. Is there a problem with the mast?",
        ],
        "angry": [
            "I pay {amount} a month for {plan} and I've had no data for {days}. I work from my "
            "phone. This is costing me money.",
        ],
        "follow": [
            "Still no data. I tried the APN settings you sent.",
            "It came back for an hour and dropped again.",
        ],
        "reply": [
            "There was a fault on the mast serving part of {city}; engineers fixed it at noon. "
            "Please switch airplane mode on and off, and data should come back.",
            "Your line had data turned off after the {gb}GB fair-use check by mistake. I've "
            "turned it back on; it can take up to 10 minutes.",
        ],
        "ask": [
            "Could you tell me your phone model and send a screenshot of Settings > Mobile "
            "network > Access point names?",
        ],
        "resolve": [
            "Glad to hear data is back. I've added {gb}GB as a goodwill gesture for the days "
            "you were without it.",
        ],
        "note": [
            "Checked HLR: data barred after fair-use flag on {date}. Barring removed.",
            "Known outage INC-{code} in {city}, linked this conversation to the incident.",
        ],
    },
    "sim_activation": {
        "subject": ["New SIM not activated", "eSIM activation", "SIM activation problem"],
        "open": [
            "Hi, I got my new SIM for the {plan} plan {days} ago and it still says 'No "
            "service'. Do I need to do something?",
            "Hello, the eSIM QR code you sent doesn't work, my phone says the code is no longer "
            "valid.",
            "Hi, I'm moving my number from another network. The transfer was meant to happen on "
            "{date} but I still have the temporary number.",
        ],
        "angry": [
            "I've been without a working phone for {days} because you can't activate a SIM. "
            "I've called four times. This is beyond a joke.",
        ],
        "follow": [
            "I entered the PUK like you said, still nothing.",
            "The old network says they released the number on {date}.",
        ],
        "reply": [
            "The activation was stuck waiting for ID verification. I've completed it now; please "
            "restart the phone in about 15 minutes.",
            "I've issued a fresh eSIM code for you; it's in your email and valid for {hours}. "
            "Scan it over Wi-Fi.",
            "Your number transfer is confirmed for tomorrow morning. Your old SIM will stop "
            "working around 10:00 and the new one will start shortly after.",
        ],
        "ask": [
            "Could you send me the last 6 digits of the SIM card number (printed on the card)?",
        ],
        "resolve": [
            "Your SIM is active and the {plan} plan is live. Welcome to Pardis Mobile!",
        ],
        "note": [
            "Activation stuck in KYC queue. Verified ID manually.",
            "Port-in request rejected by donor network - account number mismatch. Resubmitted.",
        ],
    },
    "internet_outage": {
        "subject": ["Home internet down", "Broadband outage in {city}", "No internet since {date}"],
        "open": [
            "Hi, our home internet has been down since last night. The router light is red. "
            "We're in {city}.",
            "Hello, the fibre keeps dropping every evening between 8 and 11. Speed tests show "
            "under 5 Mbps on a {plan} plan.",
            "Hi, no internet at all since {date}. I've restarted the router several times.",
        ],
        "angry": [
            "Internet down AGAIN. That's the third time this month. My kids can't do homework "
            "and I can't work. Either fix it properly or cancel my contract without a fee.",
            "{days} without internet and all I get is 'engineers are working on it'. I want a "
            "date and compensation.",
        ],
        "follow": [
            "It's back on but very slow.",
            "The engineer didn't show up in the slot you gave us.",
        ],
        "reply": [
            "There's a fibre cut affecting part of {city}; the repair team is on site and the "
            "estimated fix is within {hours}. I've added your line to the incident so you get a "
            "text when it's fixed.",
            "I can see your router losing sync every evening. I've booked an engineer visit "
            "for {later} between 8:00 and 12:00 to check the line and replace the router.",
        ],
        "ask": [
            "Could you tell me which lights are on at the router, and their colours? A photo "
            "is fine.",
        ],
        "resolve": [
            "The line is stable again after the engineer's visit. I've credited {fee} for "
            "the days without service.",
        ],
        "note": [
            "Outage INC-{code}: fibre cut in {city}. Customer added to incident notifications.",
            "Repeat caller, third outage in 30 days - requesting line test and proactive "
            "router swap.",
        ],
    },
    "plan_upgrade": {
        "subject": ["Upgrade my plan", "Switch to {plan}", "Question about plans"],
        "open": [
            "Hi, I'm on the {plan2} plan and keep running out of data. What would it cost to "
            "move to {plan}?",
            "Hello, can I add my daughter's line to my account and share the data?",
            "Hi, is fibre available at my address in {city}? I'd like to upgrade from ADSL.",
        ],
        "angry": [
            "I asked to upgrade to {plan} {days} ago and I'm still on the old plan, but paying "
            "the new price. Fix it.",
        ],
        "follow": [
            "Will my number stay the same?",
            "Is there a contract period with the new plan?",
        ],
        "reply": [
            "{plan} is {amount} a month with no contract change. I can switch you today and the "
            "new allowance will start immediately; this month is charged pro rata.",
            "Fibre is available at your address. I've booked the installation for {later}; "
            "there's no installation fee on 12-month plans.",
        ],
        "ask": [
            "Would you like the upgrade to start today or from your next billing date on "
            "{later}?",
        ],
        "resolve": [
            "Done! You're now on {plan}. Your new allowance is live, and your number and "
            "settings stay the same.",
        ],
        "note": [
            "Upsell: customer interested in a family bundle as well. Passed to sales.",
        ],
    },
    "roaming_charges": {
        "subject": ["Roaming charges on my bill", "Unexpected roaming bill", "Roaming charges abroad"],
        "open": [
            "Hi, I was in {dest} for a week and got a bill of {amount} for roaming. I thought "
            "the {plan} plan included roaming?",
            "Hello, I didn't even use my phone abroad, only WhatsApp on hotel Wi-Fi, yet invoice "
            "{invoice} has {amount} of data roaming.",
        ],
        "angry": [
            "{amount} in roaming charges for a 4-day trip! Nobody told me the bundle didn't "
            "cover {dest}. I won't pay this.",
        ],
        "follow": [
            "Can you add a roaming pass for my next trip so this doesn't happen again?",
        ],
        "reply": [
            "The roaming pass on your {plan} plan covers the EU and the GCC, but not the "
            "country you travelled to. As a one-off, I've reduced the charge to the price of "
            "a daily pass: {amount2}.",
            "The data was used by background app updates on the first day, before the phone "
            "joined the hotel Wi-Fi. I've refunded {amount} as a goodwill gesture and set a "
            "roaming spend cap on your line.",
        ],
        "ask": [
            "Could you confirm the dates you were abroad, so I can match them with the usage "
            "records?",
        ],
        "resolve": [
            "The roaming charges have been credited back to your account; you'll see "
            "{amount} as a credit on the next invoice.",
        ],
        "note": [
            "Roaming charges disputed. Goodwill credit approved by supervisor. Spend cap set.",
        ],
    },
    "password_reset": {
        "subject": ["Can't log in", "Password reset email not arriving", "Locked out of my account"],
        "open": [
            "Hi, I've tried resetting my password three times but the email never arrives. I've "
            "checked spam.",
            "Hello, the app says my account is locked. I just want to check my order {order}.",
        ],
        "angry": [
            "Locked out of my account AGAIN. I have an order arriving today and can't even see "
            "the tracking. Your login system is a joke.",
        ],
        "follow": [
            "Got the email now, thanks. The link says it's expired though.",
        ],
        "reply": [
            "Our emails to your address were bouncing because of a typo in your profile. I've "
            "fixed it and sent a new reset link, valid for {hours}.",
            "I've unlocked your account. For security it was locked after five failed "
            "attempts; you can log in again now.",
        ],
        "ask": [
            "To confirm it's you, could you tell me the postcode of your last delivery "
            "address?",
        ],
        "resolve": [
            "Glad you're back in. If you turn on two-step verification in Settings, this "
            "shouldn't happen again.",
        ],
        "note": [
            "Identity verified via last order and delivery postcode. Email corrected.",
        ],
    },
    "praise": {
        "subject": ["Thank you!", "Great service", "Just wanted to say thanks"],
        "open": [
            "Just wanted to say thank you to {agent}, who sorted out my order yesterday in five "
            "minutes. Really appreciated.",
            "Order {order} arrived a day early and beautifully packed. Best online shopping "
            "experience I've had in ages.",
            "Thanks for replacing the {product} so quickly, no questions asked. You've got a "
            "customer for life.",
            "The engineer who installed our fibre in {city} was brilliant - tidy, polite and "
            "explained everything.",
        ],
        "angry": [],
        "follow": [],
        "reply": [
            "Thank you so much for taking the time to write to us - it really made our day. "
            "I've passed your message on to the team.",
            "What a lovely message! I've shared it with {agent} and their manager.",
        ],
        "ask": [],
        "resolve": [],
        "note": [
            "Praise for the team - added to the monthly shout-outs.",
        ],
    },
    "staff_complaint": {
        "subject": ["Complaint about your staff", "Rude agent on the phone", "Formal complaint"],
        "open": [
            "I'd like to complain about the agent I spoke to on {date}. He talked over me, said "
            "the problem was my fault and hung up.",
            "The driver who delivered order {order} threw the parcel over the gate and swore at "
            "my mother when she asked him to wait.",
        ],
        "angry": [
            "I have never been spoken to like that by a company. Your agent was rude, "
            "dismissive and laughed at me. I want this investigated and a written apology.",
        ],
        "follow": [
            "Has anyone looked into this? I haven't heard anything.",
        ],
        "reply": [
            "I'm truly sorry about how you were treated. That is not how we work. I've passed "
            "your complaint, with the date and time of the call, to the team manager, who will "
            "review the recording this week.",
            "Thank you for telling us. I've reported the driver to {courier}, who handle "
            "deliveries in {city}, and asked for a formal response.",
        ],
        "ask": [
            "Could you tell me roughly what time the call was, and the number you called from? "
            "That lets us find the recording.",
        ],
        "resolve": [
            "The manager has reviewed the call and spoken to the agent involved. As an apology "
            "I've added a {fee} voucher to your account.",
        ],
        "note": [
            "Staff complaint - recording requested from telephony. Escalated to supervisor.",
            "Complaint about courier driver forwarded to {courier} account manager.",
        ],
    },
    "warranty_claim": {
        "subject": ["Warranty claim - {product}", "Faulty {product} under warranty", "Repair request"],
        "open": [
            "Hi, my {product} (bought {days} ago, order {order}) has stopped charging. It's "
            "still under warranty. How do I send it for repair?",
            "Hello, the screen on my {product} model {code} has started flickering. Is this "
            "covered by the 2-year warranty?",
        ],
        "angry": [
            "The {product} broke after {days}. It went for repair once already and came back "
            "with the same fault. I want a replacement, not another repair.",
        ],
        "follow": [
            "The courier collected it today. How long does the repair usually take?",
        ],
        "reply": [
            "Your {product} is covered until {later}. I've booked a free collection and the "
            "service centre usually returns repairs within 10 working days.",
            "As this is the second repair for the same fault, we'll replace the {product} "
            "instead. A new one is on its way.",
        ],
        "ask": [
            "Could you send me the serial number (on the back or under Settings > About)?",
        ],
        "resolve": [
            "The service centre has finished the repair and your {product} is on its way back "
            "with {courier}.",
        ],
        "note": [
            "Warranty valid until {later}. Repair ticket opened with service centre, ref {invoice}.",
            "Second failure of {code} for this customer - approved replacement over repair.",
        ],
    },
}

SORRY = [
    "I'm sorry for the trouble with this.",
    "Sorry about this, and thank you for your patience.",
    "I'm really sorry you've had to chase us.",
    "Apologies for the inconvenience.",
    "Thanks for letting us know, and sorry for the hassle.",
]
SORRY_ANGRY = [
    "I completely understand your frustration, and I'm sorry - this isn't the service we want "
    "you to get.",
    "You're right to be upset, and I apologise. Let me put this right.",
    "I'm very sorry. I've read through everything and I'll take care of this personally.",
]
SIGN = ["Best regards,\n{agent}\nPardis Market", "Kind regards,\n{agent}",
        "Thanks,\n{agent} - Pardis customer care", "All the best,\n{agent}"]
CURT = [
    "Please provide your order number.",
    "Your request has been forwarded to the relevant department.",
    "We are looking into it. Please wait for an update.",
    "As per our policy, refunds take 5-7 working days.",
    "Please restart your device and try again.",
    "Noted.",
]
CUSTOMER_THANKS = [
    "Thank you, that's sorted!", "Brilliant, thanks {agent}.",
    "Got it, thanks for your help.", "Perfect, thank you so much!",
    "OK, thanks. Took a while but it's fixed.", "Cheers, all good now.",
]
NUDGE = ["Hello? Any update?", "Just following up on this.",
         "Is anyone looking at this?", "Any news?"]
ANGRY_NUDGE = [
    "Still waiting. This is getting beyond a joke.",
    "Nobody has replied in two days. Is anyone actually reading these?",
    "I'm giving you until tomorrow, then I'm leaving a review everywhere I can.",
]
REPEAT = [
    "I've already contacted you about this {times}. ",
    "Same problem AGAIN - this is the {times_ordinal} time I'm writing about it. ",
    "Writing again because nothing has changed since my last message. ",
]
HOLD_NOTE = [
    "Waiting for the supplier to confirm stock before we can replace. On hold.",
    "On hold until the engineer visit on {later}.",
    "Parked while finance reviews the credit request.",
]
PENDING_NOTE = ["Waiting for the customer's reply.", "Asked for photos, pending."]
TRANSFER_NOTE = ["Moving this to {team}, they own this issue.",
                 "Looping in {team} - needs their sign-off."]


def greet(first: str, vocative: str, last: str, gender: str, formal: bool) -> str:
    if formal:
        title = "Mr" if gender == "m" else "Ms"
        return f"Dear {title} {last},"
    return f"Hi {first},"


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        number % 10, "th")
    return f"{number}{suffix}"


PRODUCTS = [
    "wireless speaker", "air fryer", "robot vacuum", "espresso machine", "smartwatch",
    "55-inch 4K TV", "laptop", "kettle", "hair dryer", "PlayStation 5", "tablet",
    "electric toothbrush", "blender", "Galaxy A55 phone", "standing desk", "baby car seat",
]
PLANS = ["Pardis Unlimited 5G", "Smart 20GB", "Smart 50GB", "Fibre 500", "Fibre 1 Gig",
         "Family Share 100GB"]
CITIES = {
    "GB": ["London", "Manchester", "Birmingham", "Leeds", "Bristol", "Glasgow", "Croydon",
           "Reading"],
    "AE": ["Dubai Marina", "Abu Dhabi", "Sharjah", "Jumeirah"],
}
DESTINATIONS = ["Istanbul", "Cairo", "Baku", "Morocco", "Cape Town", "Tbilisi"]
COURIERS = ["Pardis Express", "DPD", "Royal Mail", "Evri"]
