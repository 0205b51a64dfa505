# ruff: noqa: E501
"""Knowledge-base documents of the fictional firm Harborview Wealth Partners, in a tiny markup.

Markup (one block per blank-line-separated chunk; see ``make_corpus.parse``):
``# Title``, ``## Section``, ``### Subsection``, ``- bullet``, ``1. numbered``, ``| table | row |``
(first row is the header, ``|---|`` rows are skipped); any other lines form a paragraph.
Everything here is invented: names, numbers, addresses and accounts belong to no real person.
Text stays ASCII so the core PDF fonts can render it; the non-ASCII documents live in make_corpus.py.
"""

DOCS: dict[str, str] = {}

DOCS["retirement_faq"] = """
# Retirement Planning FAQ

This page collects the questions Harborview Wealth Partners clients ask most often as they approach and enter retirement. The answers reflect our planning process and the rules in effect for the 2025 tax year. They are general education, not individual advice: your advisor will apply them to your own household during your planning meetings.

## How much can I contribute to retirement accounts this year?

For 2025 the employee deferral limit for 401(k), 403(b) and most 457(b) plans is $23,500. Workers aged 50 or older may add a catch-up contribution of $7,500, and a new "super catch-up" allows workers aged 60 through 63 to contribute an extra $11,250 instead of $7,500. Individual retirement accounts (traditional and Roth IRAs combined) are limited to $7,000, plus a $1,000 catch-up at age 50 and above.

Your advisor reviews contribution levels every January. If you receive a bonus or change employers mid-year, tell us: deferrals at two employers share a single limit, and over-contributions must be corrected before the tax filing deadline to avoid double taxation.

## When can I retire?

There is no single retirement age. We treat retirement as the point where your portfolio and guaranteed income (Social Security, pensions, annuities) can fund your planned spending with a high degree of confidence. In your plan we model several retirement dates side by side, usually in one-year steps, and show the probability that each date sustains your spending to age 95.

Most clients find that working one or two additional years improves the plan far more than any change in investment allocation, because it adds contributions, delays withdrawals and increases Social Security benefits at the same time.

## How much can I safely withdraw each year?

We start most plans with an initial withdrawal rate between 4.0 and 4.5 percent of the portfolio, adjusted for inflation each year. Rather than a fixed rule, we use guardrails: if the withdrawal rate drifts 20 percent above its starting level after a market decline, we recommend a spending cut of about 10 percent; if it falls 20 percent below after strong markets, we recommend a raise.

Guardrails let you spend more in good years while protecting the plan in poor ones. Your advisor recalculates your guardrails at each annual review and whenever the portfolio moves by more than 15 percent between reviews.

## What is the probability of success in my plan?

Our planning software runs one thousand simulated market sequences using conservative return assumptions. The probability of success is the share of those sequences in which you never run out of money before age 95. We are comfortable with results between 75 and 90 percent. A result above 95 percent usually means you are under-spending; below 70 percent means we should discuss changes.

- Below 70 percent: review spending, retirement date or savings rate.
- 70 to 95 percent: proceed, monitor annually.
- Above 95 percent: consider gifting, travel or earlier retirement.

## When do required minimum distributions start?

Under the SECURE 2.0 Act, required minimum distributions (RMDs) from traditional IRAs and workplace plans begin at age 73 for people born from 1951 through 1959, and at age 75 for people born in 1960 or later. Roth IRAs have no lifetime RMDs, and since 2024 neither do Roth 401(k) accounts.

Your first RMD may be postponed until April 1 of the year after you reach RMD age, but doing so means taking two distributions in that year. We usually recommend taking the first one in the year you reach the age. See our RMD guide for the full process.

## Should I pay off my mortgage before I retire?

It depends on the interest rate, your tax bracket and how the payoff would be funded. Paying off a 6 percent mortgage is a guaranteed 6 percent return, which is attractive. Paying off a 3 percent mortgage with IRA withdrawals that push you into a higher bracket usually is not. We model both options and also weigh the comfort of being debt-free, which many clients value highly.

## How do you handle health care costs before Medicare?

If you retire before 65 you will need coverage for the gap years. Options include COBRA (typically up to 18 months), a spouse's employer plan, or a marketplace plan under the Affordable Care Act, where premium credits depend on your modified adjusted gross income. We often manage withdrawals in those years to keep income in a favourable range, drawing first from taxable accounts and cash.

## What happens to my plan when markets fall?

Every retirement plan we build includes a cash and short-term bond reserve equal to about two years of portfolio withdrawals. In a downturn we fund your spending from this reserve rather than selling stocks at low prices, and we refill it during recoveries. Clients receive a written note from their advisor within five business days of any calendar month in which the S&P 500 falls more than 10 percent.

## Who do I contact with retirement questions?

Contact your assigned advisor directly or call the client service line. Questions received by 3:00 p.m. Eastern on a business day are answered the same day whenever possible, and always within one business day.
"""

DOCS["glossary"] = """
# Glossary of Financial Planning Terms

Harborview Wealth Partners uses the following terms in client reports, agreements and planning meetings. Definitions are written for clients, not specialists; where a term has a precise regulatory meaning, the agreement or disclosure document controls.

## A to C

- Asset allocation: the split of a portfolio among stocks, bonds, cash and other asset classes. It is the main driver of both risk and long-run return.
- Assets under management (AUM): the market value of the accounts we manage for you. Our advisory fee is a percentage of household AUM.
- Basis (cost basis): what you paid for an investment, adjusted for reinvested dividends and certain corporate actions. Gains and losses are measured against it.
- Beneficiary designation: the form that tells an IRA, 401(k), annuity or life insurance policy who receives the assets at death. It overrides a will.
- Capital gain distribution: a payout by a mutual fund of gains realised inside the fund. It is taxable to shareholders in taxable accounts even if reinvested.
- Custodian: the independent firm that holds client assets. Harborview never takes custody of client money; assets are held at Northgate Custody Services.

## D to L

- Donor-advised fund (DAF): a charitable account that gives an immediate tax deduction when funded and lets you recommend grants to charities over time.
- Expense ratio: the annual cost of a mutual fund or ETF, expressed as a percentage of assets and deducted inside the fund.
- Fiduciary: an adviser legally required to act in the client's best interest. Harborview acts as a fiduciary at all times when giving investment advice.
- Form ADV: the disclosure document every registered investment adviser files with the SEC. Part 2A describes our services, fees and conflicts; Part 2B describes the advisors who work with you.
- Form CRS: a short relationship summary that explains, in plain language, our services, fees, conflicts and disciplinary history.
- Investment policy statement (IPS): a written document that records your goals, risk profile, target allocation, rebalancing rules and any restrictions.
- IRMAA: the income-related monthly adjustment amount, a surcharge on Medicare Part B and Part D premiums for higher-income beneficiaries, based on tax returns from two years earlier.

## M to R

- Modified adjusted gross income (MAGI): adjusted gross income with certain deductions added back. Different tax rules use slightly different definitions.
- Net unrealised appreciation (NUA): a tax treatment for employer stock distributed from a 401(k) in kind, where the growth is taxed at capital gains rates when sold.
- Pro-rata rule: the IRS rule that treats all your pre-tax IRA balances as one pool when calculating the taxable part of a Roth conversion.
- Qualified charitable distribution (QCD): a direct transfer from an IRA to a charity by someone aged 70 and a half or older. It counts toward the RMD and is excluded from income.
- Rebalancing: selling assets that have grown above target and buying those below target to bring the portfolio back to its intended allocation.
- Required minimum distribution (RMD): the amount the IRS requires you to withdraw each year from most tax-deferred retirement accounts once you reach RMD age.

## S to Z

- Sequence-of-returns risk: the danger that poor returns early in retirement, combined with withdrawals, permanently reduce what the portfolio can support.
- Standard deviation: a statistical measure of how widely returns vary around their average. We use it as one measure of portfolio volatility.
- Tax-loss harvesting: selling an investment at a loss to offset gains or income, then buying a similar but not substantially identical replacement.
- Time-weighted return: a performance measure that removes the effect of deposits and withdrawals. It is the figure shown in our quarterly reports.
- Trusted contact person: someone you authorise us to contact if we suspect financial exploitation or cannot reach you. A trusted contact cannot trade or move money.
- Wash sale: buying a substantially identical security within 30 days before or after selling at a loss, which disallows the loss for tax purposes.

## Abbreviations used in our reports

| Abbreviation | Meaning | Where you will see it |
|---|---|---|
| ACATS | Automated Customer Account Transfer Service | Account transfer status updates |
| FRA | Full retirement age for Social Security | Retirement income projections |
| IPS | Investment policy statement | Onboarding packet and annual review |
| PIA | Primary insurance amount | Social Security analysis |
| TWR | Time-weighted return | Quarterly performance report |
| YTD | Year to date | Statements and tax summaries |

## Where to find definitions not listed here

If a term in one of our documents is not in this glossary, ask your advisor or send a secure message through the Client Portal. We add new entries each January based on the questions clients asked during the previous year.
"""

DOCS["college_savings_529"] = """
# 529 College Savings Plans Explained

A 529 plan is a tax-advantaged account for education costs, named after Section 529 of the Internal Revenue Code. Harborview Wealth Partners helps families choose a plan, set a savings target and coordinate 529 accounts with the rest of the household balance sheet. This explainer summarises how the accounts work and how we use them.

## How a 529 plan works

Contributions are made with after-tax dollars, grow free of federal income tax, and come out tax free when spent on qualified education expenses. Each account has one owner (usually a parent or grandparent) and one beneficiary, and the owner can change the beneficiary to another family member at any time without tax.

Qualified expenses include tuition, mandatory fees, books, supplies, computers and internet access used for school, and room and board for students enrolled at least half time. Up to $10,000 per year may be used for elementary or secondary school tuition, and up to $10,000 over a lifetime may repay qualified student loans.

## Choosing a plan in New England

Every state sponsors at least one plan, and you may use any state's plan. Some states give a state income tax deduction or credit only for contributions to their own plan, so the home-state plan is our starting point:

- Massachusetts residents can deduct up to $1,000 per year ($2,000 for married couples filing jointly) for contributions to the U.Fund or the U.Plan prepaid tuition program.
- Rhode Island residents can deduct up to $500 per year ($1,000 joint) for contributions to CollegeBound Saver.
- Vermont residents receive a 10 percent state tax credit on the first $2,500 contributed per beneficiary per year to VT 529.
- Maine and New Hampshire offer plans with low-cost index portfolios but no meaningful state income tax benefit for our clients.

Where the home-state benefit is small, we compare investment options and costs before recommending a plan. Age-based portfolios that become more conservative as the beneficiary approaches college are the default we recommend for most families.

## How much to save

We build a savings target for each child from the expected type of school, the number of years until enrolment and an assumed education inflation rate of 5 percent. Families usually aim to cover between one third and two thirds of projected costs from savings, with the rest from current income, scholarships and modest borrowing.

| Target | Four-year public (in-state) | Four-year private |
|---|---|---|
| Projected total cost for a child born in 2025 | about $210,000 | about $480,000 |
| Monthly saving to cover half, starting at birth | about $340 | about $780 |
| Monthly saving to cover half, starting at age 8 | about $620 | about $1,420 |

Figures assume a 6 percent annual return and are illustrations only; your plan uses your own numbers.

## Superfunding and gift tax

Contributions count as gifts to the beneficiary. In 2025 the annual gift tax exclusion is $19,000 per donor per beneficiary, and 529 plans allow a special election to spread a single contribution of up to five times that amount, $95,000, over five years. A married couple can therefore contribute $190,000 per beneficiary at once without using any lifetime exemption. Grandparents often use this election as part of estate planning; the election is made on Form 709.

## Rolling unused funds to a Roth IRA

Since 2024, unused 529 money can be rolled into a Roth IRA for the beneficiary, subject to several conditions:

1. The 529 account must have been open for at least 15 years.
2. Contributions made in the last five years, and their earnings, cannot be rolled.
3. Each year's rollover counts against the beneficiary's annual IRA contribution limit.
4. The lifetime maximum is $35,000 per beneficiary.

## Effect on financial aid

A parent-owned 529 account is reported as a parental asset on the FAFSA and reduces aid eligibility by at most 5.64 percent of its value. Since the 2024-25 award year, distributions from grandparent-owned 529 accounts are no longer reported as student income, which removed a long-standing drawback of grandparent ownership.

## How Harborview manages 529 accounts

We include 529 balances in the household view in your Client Portal and review them at each annual meeting. Accounts held directly with a state plan are not billed by Harborview; we provide recommendations on portfolio choice and contribution amounts as part of financial planning. Families should tell us when a child begins the college search so we can plan the withdrawal schedule and the coordination with tax credits such as the American Opportunity Tax Credit, which cannot be claimed on the same expenses paid with 529 money.
"""

DOCS["social_security_claiming"] = """
# Social Security Claiming Strategies

The decision of when to claim Social Security is one of the largest financial decisions most households make, and it is usually irreversible after the first twelve months. Harborview Wealth Partners analyses claiming options for every client within ten years of retirement. This note explains the rules we work with and the reasoning behind our recommendations.

## Full retirement age and the claiming range

Your full retirement age (FRA) depends on your birth year. For anyone born in 1960 or later it is 67. You may claim as early as 62 or as late as 70. Claiming at 62 permanently reduces the benefit to about 70 percent of the amount payable at FRA, while each year of delay past FRA adds delayed retirement credits of 8 percent, so waiting until 70 produces 124 percent of the FRA amount.

| Claiming age | Benefit as a share of the FRA amount (FRA 67) |
|---|---|
| 62 | 70 percent |
| 64 | 80 percent |
| 67 | 100 percent |
| 68 | 108 percent |
| 70 | 124 percent |

## Break-even thinking and longevity

A common way to frame the decision is the break-even age: the age at which the larger, later benefit has paid out more in total than the smaller, earlier one. For a single person comparing 62 and 70, that point usually falls around age 80 or 81. Because many of our clients are healthy and have family histories of long life, we place more weight on protecting against a long life than on the break-even age itself.

We also treat Social Security as longevity insurance. It is inflation-adjusted, backed by the federal government and lasts for life, features that are expensive to buy privately. Delaying the claim is often the cheapest way to buy more of that income.

## Married couples

For couples, the claiming decision affects two lifetimes. A spouse may receive a spousal benefit of up to 50 percent of the other spouse's FRA benefit, reduced if claimed before their own FRA. When one spouse dies, the survivor keeps the larger of the two benefits. For that reason we usually recommend that the higher earner delay, often to 70, because that benefit becomes the survivor benefit.

- The lower earner often claims earlier, sometimes at 62 to 65, to provide household income.
- The higher earner delays to maximise the benefit that will continue to the survivor.
- Spousal benefits do not earn delayed retirement credits, so a spouse claiming only a spousal benefit gains nothing by waiting past FRA.

## Working while claiming

If you claim before FRA and keep working, the earnings test withholds $1 of benefits for every $2 earned above $23,400 in 2025. In the year you reach FRA the threshold is higher and the withholding rate is lower. Withheld benefits are not lost: your monthly benefit is recalculated upward at FRA. After FRA there is no earnings test.

## Taxes on benefits

Up to 85 percent of Social Security benefits can be subject to federal income tax, depending on your combined income. Massachusetts, Maine, Rhode Island (for most retirees) and New Hampshire do not tax Social Security benefits; Vermont exempts them below certain income levels. Because benefits are only partly taxable, they interact with IRA withdrawals and Roth conversions, and we model those interactions together.

## How we build your recommendation

We download your earnings record from your my Social Security account (you can do this with us during a meeting), project benefits under current law, and test claiming ages from 62 to 70 for each spouse. The recommendation you receive lists the chosen ages, the expected lifetime benefits under three longevity assumptions, and the effect on your portfolio withdrawals.

## Changing your mind

Within 12 months of first claiming you may withdraw your application by repaying all benefits received, once in a lifetime. After FRA you may voluntarily suspend benefits to earn delayed credits until 70. Tell your advisor before taking either step so we can update your income plan and tax projections.
"""

DOCS["charitable_giving"] = """
# Charitable Giving Strategies

Many Harborview Wealth Partners clients give generously to schools, hospitals, religious organisations and community groups. Thoughtful structure can increase what reaches those causes and lower the cost of giving. This guide describes the tools we use most and when each one fits.

## Start with your giving goals

Before choosing a vehicle we ask three questions: how much you expect to give each year, whether you want to give during your lifetime, at death or both, and whether you want family members involved in the decisions. The answers determine whether simple cash gifts are enough or whether a donor-advised fund, a charitable trust or a private foundation is worth the extra administration.

## Give appreciated securities instead of cash

Donating shares held for more than one year that have risen in value is usually better than donating cash. You deduct the full market value (subject to a limit of 30 percent of adjusted gross income for gifts to public charities) and never pay capital gains tax on the appreciation. You can then use the cash you would have given to buy the same holdings back, resetting your cost basis higher.

- Choose lots with the largest gain relative to value.
- Never donate shares trading below cost; sell them, harvest the loss and donate the cash.
- Allow ten business days for transfers to smaller charities that do not hold brokerage accounts.

## Bunching deductions with a donor-advised fund

Because the standard deduction is high, many retired couples no longer itemise. Bunching two to five years of planned gifts into a single year, usually through a donor-advised fund, lets you itemise in that year and take the standard deduction in the others. The fund invests the money and you recommend grants to charities on your normal schedule.

Our preferred sponsor charges an administrative fee of 0.60 percent per year on the first $500,000, has a $5,000 minimum initial contribution and allows grants as small as $50. Harborview can manage the fund's investments at your request; assets in a donor-advised fund are included in household assets for fee calculation at the same tiered rate.

## Qualified charitable distributions from IRAs

From age 70 and a half you can transfer up to $108,000 in 2025 directly from an IRA to operating charities. A qualified charitable distribution counts toward your required minimum distribution but is excluded from taxable income, which can also reduce Medicare premium surcharges and the taxable share of Social Security. QCDs cannot go to donor-advised funds or private foundations.

| Situation | Usually the best tool |
|---|---|
| Aged 70 and a half or older with an IRA | Qualified charitable distribution |
| Large capital gain in a concentrated stock | Gift of appreciated shares or charitable remainder trust |
| Irregular giving, does not itemise | Bunching through a donor-advised fund |
| Wants family governance and a lasting name | Private foundation (for gifts above about $5 million) |

## Charitable remainder and lead trusts

A charitable remainder trust pays you or another beneficiary an income stream for life or a term of up to 20 years, after which the remainder goes to charity. It is useful for selling a highly appreciated asset without immediate tax. A charitable lead trust does the reverse: charity receives payments for a term and the remainder passes to heirs, often with reduced gift or estate tax. Both require an estate attorney; we coordinate with your attorney and model the income and tax effects.

## Documentation and deadlines

Gifts must be completed by December 31 to count for the tax year. For securities, completion means the shares arrive in the charity's account, not the date you give instructions, so we ask for instructions by December 10. Keep the written acknowledgement from the charity for any single gift of $250 or more; for non-cash gifts over $5,000 other than publicly traded securities, a qualified appraisal is required.
"""

DOCS["investment_philosophy"] = """
# Our Investment Philosophy

Harborview Wealth Partners manages client portfolios according to a small set of convictions that have stayed stable since the firm was founded in 2009. This document explains those convictions, how they shape the portfolios we build, and what we deliberately avoid. It is reviewed each year by the Investment Committee; this edition was approved on March 4, 2025.

## Markets are hard to beat, costs are easy to control

Decades of research show that most active managers trail their benchmarks after fees over long periods, and that the managers who outperform in one decade rarely repeat in the next. We therefore build the core of every portfolio from broadly diversified index funds and exchange-traded funds. What we can control with certainty is cost, so we target a weighted average fund expense ratio below 0.20 percent per year across a typical client portfolio.

We do use active management where the evidence supports it, mainly in municipal bonds and other less efficient corners of the fixed income market, where security selection and trading skill matter more. Every active fund must earn its place at the annual manager review by delivering value after fees.

## Asset allocation drives outcomes

The mix of stocks, bonds and cash explains most of the variation in a portfolio's returns and nearly all of its risk. We set each client's allocation from the risk profile questionnaire, the time horizon of their goals and the capacity of their balance sheet to absorb losses. We document the chosen allocation in the investment policy statement and review it with the client at least once a year.

Within stocks we hold United States large and small companies, developed international markets and emerging markets. International stocks make up about 30 percent of the equity allocation, because economic leadership rotates between regions in ways no one can reliably predict. Within bonds we emphasise high-quality government, agency and investment-grade corporate issues with an average duration between four and six years.

## Rebalancing with discipline

Portfolios drift as markets move. We review every account monthly and rebalance when an asset class strays more than five percentage points from its target, or at least once a year when no band has been breached. Rebalancing forces the portfolio to sell what has risen and buy what has fallen, which feels uncomfortable but keeps risk where the client agreed it should be.

When rebalancing we first use new cash, dividends and required withdrawals to move toward target, because that avoids realising capital gains. Trades in taxable accounts consider the tax cost and are deferred when the gain would be large and the drift small.

## Taxes are a cost to manage

Taxes can take a larger bite out of returns than fund expenses. We manage them in four ways:

- Asset location: holding tax-inefficient assets such as taxable bonds in IRAs and tax-efficient stock index funds in taxable accounts.
- Tax-loss harvesting in taxable accounts whenever a meaningful loss is available.
- Lot selection: selling the highest-cost shares first when we must sell.
- Withdrawal sequencing in retirement, coordinated with Roth conversions and charitable giving.

## Behaviour matters more than brilliance

The largest threat to most investors is not a bad fund but a bad decision made under stress, such as selling after a market fall or chasing last year's winner. Part of our role is to help clients stay with a sound plan through uncomfortable periods. We communicate proactively in volatile markets and we never change a client's allocation in reaction to headlines alone.

## Responsible investing options

Clients who want their portfolio to reflect environmental, social or governance preferences can choose our responsible investing models. These use broadly diversified funds that screen out selected industries or weight companies by sustainability criteria, at a modest additional cost of roughly 0.05 to 0.10 percent per year. Performance expectations are similar to our standard models over long periods, though results will differ in any single year.

## What we do not do

We do not try to time the market by moving in and out of stocks based on forecasts. We do not buy individual speculative stocks, leveraged or inverse funds, or cryptocurrency for client portfolios. We do not sell commissioned products and we receive no payments from fund companies. Private investments are considered only for qualified purchasers, and only after a separate due diligence review.

## How this philosophy is governed

The Investment Committee meets monthly and includes the Chief Investment Officer, two senior advisors and the Chief Compliance Officer as a non-voting member. It approves model portfolios, the list of permitted funds and any changes to rebalancing rules. Minutes are kept for six years and summary changes are reported to clients in the quarterly letter.
"""

DOCS["data_privacy_policy"] = """
# Client Data Privacy Policy

Effective date: January 1, 2026. Owner: Chief Compliance Officer. Review cycle: annual.

Harborview Wealth Partners, LLC collects personal information so that we can provide financial planning and investment management services. This policy explains what we collect, how we use and protect it, with whom we share it and the choices clients have. It implements Regulation S-P of the Securities and Exchange Commission and the Massachusetts data security regulation 201 CMR 17.00, and it applies to every employee, contractor and office of the firm.

## Information we collect

We collect only the information we need to serve clients and to meet our legal obligations. This includes identifying information such as name, date of birth, Social Security number and government-issued identification; contact details; financial information such as income, assets, account balances, tax returns and insurance policies; and information about family members and beneficiaries that clients choose to share with us for planning purposes.

Most information comes directly from clients through meetings, the intake questionnaire and the Client Portal. Some comes from third parties with the client's permission, including the custodian that holds client assets, employers' retirement plan providers and the client's accountant or attorney.

## How we use information

We use personal information to open and maintain accounts, to provide investment advice and financial plans, to execute and report transactions, to verify identity and prevent fraud, and to meet regulatory record-keeping requirements. We do not use client information for marketing by third parties, and we never sell client information to anyone.

Employees may access client information only when they need it to perform their job. Access rights are assigned by role and are reviewed by the Chief Compliance Officer every quarter. Any access outside a business need is a disciplinary matter.

## How we share information

We share personal information only in the following circumstances: with the custodian and other service providers that process transactions or support our systems, under written contracts that require them to protect the information; with a client's accountant, attorney or other professional when the client authorises it; with regulators, law enforcement or courts when the law requires it; and with a trusted contact person in the limited circumstances described in the trusted contact form.

Because Harborview has no affiliated companies, we do not share information with affiliates, and federal law therefore gives no affiliate opt-out right. Clients may nevertheless tell us at any time not to share their information with a specific professional they previously authorised.

## How we protect information

We maintain a written information security program that includes administrative, technical and physical safeguards. Client data is stored in encrypted systems with multi-factor authentication. Laptops use full-disk encryption, paper files are kept in locked cabinets, and documents containing personal information are shredded on site by a bonded vendor. Our IT security policy for advisors sets out the detailed technical controls.

Every employee completes privacy and security training when hired and each year by January 31. Vendors that handle client data are reviewed before engagement and every two years afterwards, including a review of their own security controls and breach history.

## Retention and disposal

We keep client records for six years after the end of the client relationship, or longer where a regulation, a legal hold or a pending complaint requires it. After that period records are securely destroyed. Electronic records are deleted using methods that prevent recovery, and the destruction is logged.

## Responding to a data incident

Any employee who suspects that client information has been lost, stolen or accessed without authorisation must report it to the Chief Compliance Officer immediately and in any case within one hour of discovery. The firm investigates every report, contains the incident and assesses whether sensitive customer information was or is reasonably likely to have been accessed or used without authorisation.

Where notification is required we notify affected clients as soon as practicable and no later than 30 days after becoming aware of the incident, and we notify the Massachusetts Attorney General and the Office of Consumer Affairs and Business Regulation as state law requires. Notices explain what happened, what information was involved, what we are doing and what clients can do to protect themselves.

## Client rights and requests

Clients may ask for a copy of the personal information we hold about them, ask us to correct inaccurate information, and withdraw an authorisation to share information with a third party. We respond to requests within 45 days. Some information cannot be deleted while an account is open or during the retention period, because regulations require us to keep it.

## Changes to this policy

We review this policy every year and whenever our practices change. Clients receive our privacy notice when they open an account and whenever a material change is made. Questions about this policy should be directed to the Chief Compliance Officer through the client service line.
"""

DOCS["compliance_kyc_policy"] = """
# Know Your Customer and Anti-Money-Laundering Policy

Version 4.2, approved by the Chief Compliance Officer on September 15, 2025. This policy describes how Harborview Wealth Partners verifies client identity, understands each client's financial situation and monitors relationships for signs of money laundering, sanctions violations or elder financial exploitation.

## Purpose and scope

Knowing our clients is both a regulatory obligation and the foundation of suitable advice. The policy applies to every new and existing client relationship, including individuals, joint owners, trusts, estates, businesses and charitable entities, and to every person authorised to act on an account, such as trustees, agents under a power of attorney and authorised signers.

Although the custodian performs its own customer identification program when accounts are opened, Harborview does not rely on it alone. Advisors collect and verify the information below before the advisory agreement is signed.

## Customer identification at onboarding

### Individual clients

For each individual client the advisor collects full legal name, date of birth, residential street address (a post office box is not sufficient), taxpayer identification number and an unexpired government-issued photo identification, such as a driver's licence or passport.

### Trusts, estates and businesses

For entities we also collect formation documents and identify each beneficial owner holding 25 percent or more and one individual with significant control. For trusts we collect a trust certification signed by the trustees and identify every current trustee; for estates, the letters of appointment of the executor.

### Verifying documents

- Identity documents are verified in person or by video call with the document held to the camera.
- Copies are uploaded to the client record in the document vault, never stored on local drives or sent by ordinary email.
- Any discrepancy, such as an address that does not match the identification, must be resolved and documented before onboarding continues.

## Sanctions and adverse-media screening

Every client, joint owner, beneficial owner and authorised person is screened against the sanctions lists of the Office of Foreign Assets Control before the relationship begins. Existing clients are rescreened automatically every night. A potential match stops all account activity until Compliance clears it; a confirmed match is reported as the law requires and the relationship is not opened or is terminated.

We also screen for politically exposed persons and for adverse media. A positive result does not automatically prevent a relationship, but it requires enhanced due diligence and approval by the Chief Compliance Officer.

## Risk rating and ongoing due diligence

Each relationship receives a risk rating of standard or enhanced at onboarding, based on the client's occupation, source of wealth, geography, account types and expected activity. The rating determines how often we refresh the client profile.

| Risk rating | Profile refresh | Screening | Approval to open |
|---|---|---|---|
| Standard | Every 24 months | Nightly sanctions rescreening | Advisor and operations review |
| Enhanced | Every 12 months | Nightly plus quarterly adverse-media review | Chief Compliance Officer |
| Politically exposed person | Every 12 months | Nightly plus quarterly adverse-media review | Chief Compliance Officer and Managing Partner |

A profile refresh confirms contact details, employment, income, net worth, investment objectives, risk tolerance and trusted contact information. Changes in a client's circumstances between refreshes, such as retirement, divorce, an inheritance or a move abroad, trigger an immediate update.

## Source of funds and unusual activity

For enhanced relationships and for any single deposit above $250,000 from an outside source, the advisor documents the source of the funds, for example the sale of a business, an inheritance or a property sale, with supporting evidence. Operations monitors activity weekly for unusual patterns, including rapid movement of money in and out, structured deposits just below reporting thresholds, third-party wires and requests to send funds to high-risk jurisdictions.

Employees who notice unusual activity must escalate it to Compliance the same day and must not tell the client that a review is under way. Compliance decides whether a suspicious activity report is warranted through our custodian, and records the decision and its reasons.

## Trusted contacts and senior investors

We ask every client to name a trusted contact person and we make at least two documented attempts to obtain one. For clients aged 65 and older, and for any client who shows signs of diminished capacity, advisors follow the senior investor protocol: meetings include a second Harborview employee when practical, disbursement requests that are out of pattern are held for up to 15 business days while we investigate, and the trusted contact may be called if we suspect exploitation.

## Records and training

Identification records, screening results and risk ratings are retained for six years after the relationship ends. Every employee completes anti-money-laundering training at hire and annually, and the program is tested each year by an independent reviewer whose report goes to the Managing Partner.
"""

DOCS["complaint_handling"] = """
# Client Complaint Handling Procedure

Harborview Wealth Partners treats every complaint as an opportunity to correct a problem and to improve how we serve clients. This procedure describes what counts as a complaint, how complaints are recorded and escalated, and the timelines we commit to. It applies to all employees in every office.

## What counts as a complaint

A complaint is any written or oral statement by a client, or by someone acting for a client, that expresses dissatisfaction with our services, fees, advice, employees or systems and asks for a remedy or an explanation. A complaint does not need to use the word "complaint". A client who says on the phone that a transfer was handled badly and that they are thinking of moving their accounts has made a complaint.

Routine service requests, such as asking for a duplicate statement, are not complaints unless the client expresses dissatisfaction with how an earlier request was handled.

## First response

The employee who receives a complaint should listen fully, avoid arguing or assigning blame, and confirm the client's preferred way of being contacted. If the problem can be fixed on the spot, for example by correcting an address or resending a document, the employee fixes it and still records the complaint.

The employee must not offer money, fee credits or promises about investment results. Only the Chief Compliance Officer, with the Managing Partner for amounts above $5,000, can approve a financial remedy.

## Recording and timelines

Every complaint is entered in the Complaint Register within one business day of receipt, with the date, the client, the employee who received it, a summary in the client's own words where possible and any documents. Written complaints are scanned into the register in full.

| Step | Responsible | Deadline |
|---|---|---|
| Enter complaint in the register | Employee who received it | Within 1 business day |
| Acknowledge receipt to the client in writing | Client Service | Within 2 business days |
| Notify the Chief Compliance Officer | Client Service | Same day for serious complaints, otherwise weekly summary |
| Investigate and decide | Assigned investigator | Within 20 business days |
| Send final written response | Chief Compliance Officer | Within 30 calendar days of receipt |

## Serious complaints

A complaint is serious if it alleges fraud, theft, forgery, unauthorised trading, unsuitable advice, a breach of confidentiality or a loss above $5,000, or if the client mentions a lawyer, a regulator or legal action. Serious complaints are escalated to the Chief Compliance Officer the same day, and the advisor named in the complaint may not investigate it or contact the client about it without Compliance approval.

## Investigation

The investigator gathers the relevant records, including meeting notes, emails, trade records, recorded calls and portal activity, interviews the employees involved and, where helpful, speaks with the client again. The goal is to establish what happened, whether our policies were followed and whether the client suffered harm.

- If we made an error, we say so plainly and put the client back in the position they would have been in.
- If we did not make an error, we explain our reasoning clearly and respectfully.
- In either case we note any improvement to a process, system or training that the complaint suggests.

## The final response

The final response is a letter or secure message that summarises the complaint, our findings, any remedy and how the client can take the matter further if they are not satisfied, including contact details for the Securities and Exchange Commission and the state securities regulator. If the investigation cannot finish within 30 calendar days, we write to the client before that date to explain why and to give a new date.

## Reporting and record retention

The Chief Compliance Officer reviews the Complaint Register monthly for patterns and reports a summary to the Managing Partner each quarter. Complaint records, including the investigation file and all correspondence, are retained for six years. Complaints may be disclosed on Form ADV or Form U4 when regulations require it.
"""

DOCS["risk_questionnaire_guide"] = """
# Risk Profile Questionnaire Guide for Advisors

Every Harborview Wealth Partners client completes the risk profile questionnaire before we recommend an asset allocation. This guide explains how the questionnaire is administered, how it is scored, and how advisors combine the score with their own judgement to reach a recommended risk profile.

## Why we measure risk in two ways

Risk tolerance is a client's willingness to accept losses and volatility. Risk capacity is the ability of the client's finances to absorb losses without endangering important goals. A retired client with a modest portfolio and high spending may be willing to take risk but have little capacity for it; a young professional with secure income may have high capacity but be uncomfortable with volatility. The questionnaire measures tolerance. The advisor assesses capacity from the financial plan.

## Administering the questionnaire

The questionnaire has 12 multiple-choice questions. Clients complete it in the Client Portal before the second onboarding meeting, and joint clients each complete their own copy. Advisors should not help clients choose answers, but may explain the meaning of a question. If spouses score more than one profile apart, the advisor discusses the difference with both and documents how the household allocation was chosen.

The questions cover investment experience, reaction to past market declines, comfort with hypothetical losses, the importance of stable income, time horizon and the trade-off between growth and stability.

## Scoring

Each answer is worth between 1 and 5 points, so total scores range from 12 to 60. The score maps to one of five risk profiles, each with a target allocation to stocks.

| Score | Risk profile | Target stock allocation | Typical worst one-year loss |
|---|---|---|---|
| 12 to 20 | Conservative | 20 percent | about minus 8 percent |
| 21 to 29 | Moderately Conservative | 35 percent | about minus 14 percent |
| 30 to 39 | Balanced | 55 percent | about minus 22 percent |
| 40 to 49 | Growth | 70 percent | about minus 29 percent |
| 50 to 60 | Aggressive Growth | 85 percent | about minus 35 percent |

The worst one-year loss figures come from historical back-testing of our model portfolios and are shown to clients in the second meeting. They are not a limit or a guarantee.

## Adjusting for capacity

The advisor may recommend a profile one step more conservative than the questionnaire result when capacity is limited, for example when more than 6 percent of the portfolio is being withdrawn each year or when a large planned expense falls within three years. The advisor may recommend one step more aggressive only when the client explicitly agrees after reviewing the worst-loss figures. A difference of more than one step requires approval by the Chief Investment Officer.

## Red flags during the conversation

Some answers suggest that a client does not fully understand the questions or that the score will not reflect how they actually behave. Advisors should pause and discuss when:

- The client says they would sell everything after a 10 percent decline but scores in the Growth profile.
- The client describes investing experience that contradicts their answers.
- A family member appears to be answering on the client's behalf.
- The client appears confused, rushed or unusually anxious.

## Documentation and review

The completed questionnaire, the score, the recommended profile and the reasons for any adjustment are saved to the client record and summarised in the investment policy statement. Clients retake the questionnaire every 24 months and after major life events such as retirement, the death of a spouse, divorce or a large inheritance. A change of profile is confirmed in writing to the client before the portfolio is repositioned.
"""

DOCS["client_intake_form_example"] = """
# Client Intake Form: Completed Example

This completed example shows advisors and new client service associates how a well-prepared intake form looks. The household is fictional and was created for training; every name, number and account below is invented. Use it together with the Know Your Customer policy, which explains which items must be verified before onboarding continues.

## Household summary

Margaret Ellison and Robert Ellison are a married couple who were referred by their accountant. Margaret Ellison is a hospital pharmacy director planning to retire in 2027; Robert Ellison retired in 2024 from a career as an engineer with a British firm and receives a small United Kingdom pension. They want a retirement income plan, help deciding when to claim Social Security and a review of their estate documents.

## Primary client

| Field | Entry |
|---|---|
| Full legal name | Margaret Ellison |
| Age at intake | 64 |
| Social Security number | 512-44-7821 |
| Residential address | 48 Linden Street, Brookline, MA 02445 |
| Mobile phone | (617) 555-0193 |
| Email | margaret.ellison@outlook.com |
| Employment | Director of Pharmacy, full time, expected retirement June 2027 |
| Identification | Massachusetts driver's licence, verified by video call |

## Joint client

| Field | Entry |
|---|---|
| Full legal name | Robert Ellison |
| Age at intake | 66 |
| Social Security number | 431-72-9056 |
| Residential address | 48 Linden Street, Brookline, MA 02445 |
| Mobile phone | 617-555-0147 |
| Email | rob.ellison@gmail.com |
| Employment | Retired |
| Identification | United States passport, verified in person |

## Trusted contact person

The clients named their daughter, Claire Novak, as trusted contact. She may be called if we cannot reach the clients or suspect exploitation; she has no authority to trade or move money. Her phone number is (781) 555-0162 and her address is 9 Prospect Street, Somerville, MA 02143.

## Accounts to be transferred

- Margaret Ellison's 403(b) with her employer's plan provider, about $780,000, to remain in the plan until retirement.
- Robert Ellison's rollover IRA at another brokerage, about $1,150,000, to move by ACATS transfer.
- A joint taxable brokerage account, about $420,000, to move by ACATS transfer.
- A joint savings account at a local bank, about $95,000, kept at the bank as the emergency reserve.

## Payments and foreign accounts

The clients chose to pay the one-time comprehensive planning fee of $3,500 by card. The card on file, authorised by Margaret Ellison for this single charge, is 4539 1488 0343 6467. Advisors must never write a full card number in meeting notes; the example shows it only so that trainees can see where the payment section ends and why the form is stored in the secure vault.

The UK pension of Robert Ellison is paid quarterly into a sterling account in his name, IBAN GB33 BUKB 2020 1555 5555 55. The account must be disclosed for foreign account reporting, and we include its balance in the net worth statement converted at the year-end exchange rate.

## Goals and concerns recorded at the discovery meeting

1. Replace about $11,000 a month of after-tax income when Margaret Ellison retires.
2. Decide when each spouse should claim Social Security.
3. Understand whether Roth conversions make sense before RMDs begin.
4. Update wills and health care proxies, last revised in 2009.
5. Help their daughter with a house down payment of about $60,000 in 2026.

## Advisor notes

The clients scored 34 on the risk questionnaire (Balanced). Margaret Ellison is more comfortable with risk than Robert Ellison, who remembers losses in 2008. The assigned advisor is Elena Morales, with Priya Raman as client service contact. Next step: second meeting to present the draft plan and investment policy statement.
"""

DOCS["client_onboarding"] = """
# Client Onboarding Procedure

This procedure describes every step from a prospective client's first call to the 90-day review, and who at Harborview Wealth Partners is responsible for each step. It applies to Wealth Management, Foundations and Planning Only clients in all four offices. Operations updates it when systems or regulations change; this edition applies to relationships that begin on or after October 1, 2025.

## Overview of the onboarding journey

Onboarding normally takes four to eight weeks from the discovery meeting to fully invested accounts. The pace depends mostly on how quickly outside institutions release assets. Our goal is that clients always know what happens next and never have to chase us for an update.

| Stage | Owner | Typical timing |
|---|---|---|
| 1. Introductory call | Client Service Associate | Within 2 business days of enquiry |
| 2. Discovery meeting | Lead Advisor | Week 1 |
| 3. Plan design and proposal | Lead Advisor and Associate Advisor | Weeks 2 to 3 |
| 4. Agreement and disclosures | Lead Advisor | Week 3 |
| 5. Account opening | Operations | Week 3 |
| 6. Asset transfers | Operations | Weeks 3 to 8 |
| 7. Investment and IPS | Associate Advisor | Within 30 days of funding |
| 8. 90-day review | Lead Advisor | About 90 days after funding |

## Stage 1: Introductory call

The Client Service Associate returns every enquiry within two business days. The call confirms that the prospect's needs fit our services and that their investable assets meet the program minimum: $250,000 for Wealth Management and $50,000 for Foundations. Planning Only engagements have no minimum. The associate explains our fees in plain terms, sends Form CRS by email and schedules the discovery meeting with an advisor whose specialties suit the prospect.

If the prospect does not meet a minimum, the associate still offers Foundations or a Planning Only engagement, and may refer them to the resources list on our website. Exceptions to minimums require approval by the Managing Partner and are recorded in the CRM.

## Stage 2: Discovery meeting

The discovery meeting lasts 60 to 90 minutes, in one of our offices or by video. Before the meeting the prospect receives the intake questionnaire and a list of documents to gather. The advisor focuses on goals, family, work, health, attitudes toward money and past experiences with advisors. We do not present investment recommendations at this meeting.

Documents requested before or at the discovery meeting:

- The last two years of federal and state tax returns.
- Recent statements for every investment, retirement, bank and loan account.
- Employer benefit summaries, including retirement plan and stock compensation details.
- Insurance policies (life, disability, long-term care, umbrella).
- Wills, trusts, powers of attorney and health care proxies.
- Social Security statements for each spouse.

## Stage 3: Plan design and proposal

The Associate Advisor enters data into the planning software within three business days of the discovery meeting and flags missing information. The Lead Advisor then builds the draft plan: cash-flow projections, retirement probability, tax observations, insurance gaps, estate observations and an initial asset allocation based on the risk questionnaire.

The proposal meeting walks through the draft plan and the recommended service program. The client receives a written proposal that states the program, the fee schedule that applies, the accounts to be managed and an estimate of the first year's fee in dollars.

## Stage 4: Agreement and disclosures

Before or at the time the client signs the advisory agreement, the advisor delivers Form ADV Part 2A, the Part 2B brochure supplement for each advisor who will serve the client, Form CRS and the privacy notice. Delivery is recorded in the CRM with the date and method. Agreements are signed electronically through the Client Portal; wet signatures are accepted only in exceptional cases approved by Operations.

The agreement states that either party may end the relationship with 30 days' written notice, that there is no termination fee, and that a new client may cancel within five business days of signing for a full refund of any fee paid.

## Stage 5: Account opening

Operations opens accounts at Northgate Custody Services using the information verified under the Know Your Customer policy. The client receives e-signature requests from the custodian for each account application, including beneficiary designations for retirement accounts and the limited trading authorisation that allows Harborview to manage the account and deduct fees. Operations confirms every account number to the advisor within one business day of opening.

Common account types opened at this stage:

- Individual and joint taxable brokerage accounts.
- Traditional, Roth, SEP and inherited IRAs.
- Revocable trust accounts, which require a trust certification form.
- Custodial accounts for minors under the Uniform Transfers to Minors Act.

## Stage 6: Asset transfers

Most brokerage transfers use ACATS and complete in five to seven business days. Transfers from banks, insurance companies, annuity issuers and employer retirement plans do not use ACATS and usually take two to six weeks, sometimes longer when the sending institution requires a medallion signature guarantee or its own forms.

Operations tracks every transfer on the onboarding board and updates the client by secure message at least once a week until all assets arrive. If a transfer stalls for more than ten business days, Operations calls the sending institution with the client on the line when needed.

Securities are transferred in kind whenever possible so that the client does not realise capital gains before we have reviewed the tax position. Positions that we will not keep long-term are sold only after the Associate Advisor has prepared a transition plan showing the tax cost of each sale.

## Stage 7: Investment and investment policy statement

Once an account is funded, the Associate Advisor prepares trades to move it to the target allocation, following the transition plan for taxable accounts. Retirement accounts are usually invested within three business days of funding. Taxable accounts with large embedded gains may be transitioned over one to three tax years.

Within 30 days of the first account being funded, the client receives the investment policy statement. It records goals, the risk profile, the target allocation, rebalancing bands, any restrictions the client has requested and the benchmark used in performance reports. The client signs the IPS in the Client Portal.

## Stage 8: The 90-day review

About 90 days after funding, the Lead Advisor meets the client to confirm that every account arrived, review the first quarterly report, confirm that the client can use the Client Portal and answer questions. The advisor also asks for feedback on the onboarding experience, which Operations reviews every quarter.

After this meeting the relationship moves to the regular service calendar: Wealth Management clients have at least two review meetings a year, Foundations clients one meeting a year plus unlimited secure messaging, and Planning Only clients an annual update if they have purchased one.

## Quality checks

Compliance samples ten percent of new relationships each quarter and checks that disclosures were delivered on time, identity was verified, the risk questionnaire was completed and the IPS was signed. Exceptions are reported to the Lead Advisor and to the Managing Partner, and repeated exceptions are addressed in the advisor's annual review.
"""

DOCS["roth_conversion_guide"] = """
# Roth Conversion Guide

A Roth conversion moves money from a traditional IRA or other pre-tax account into a Roth IRA. You pay income tax on the converted amount now; in exchange, the money and its future growth can be withdrawn tax free later and is not subject to required minimum distributions during your lifetime. Harborview Wealth Partners evaluates conversions for every client whose plan shows meaningful pre-tax savings.

## When a conversion makes sense

A conversion pays off when the tax rate you pay today is lower than the rate you, your spouse or your heirs would otherwise pay on the same money later. The most common situations are:

- The years between retirement and the start of Social Security and RMDs, when taxable income is unusually low.
- A year with unusual deductions or losses, such as a large charitable gift or a business loss.
- A household that expects higher future rates, for example because RMDs will be large or because a surviving spouse will file as a single taxpayer.
- Heirs in high tax brackets, who would otherwise inherit a pre-tax IRA that must be emptied within ten years.

## When it usually does not

Conversions rarely help when you would pay the tax by withdrawing from the IRA itself, when your current bracket is higher than your expected future bracket, when you expect to leave the IRA to charity, or when the extra income would push you over a threshold that costs more than the conversion saves, such as losing health insurance premium credits before 65.

## Filling the bracket

We normally size conversions to fill a target federal tax bracket without crossing into the next one. Each autumn we project your taxable income for the year, including dividends, capital gains and any pension or Social Security income, and recommend a conversion amount that uses the remaining room in the target bracket. The calculation is updated in early December with actual year-to-date figures.

| Step | What we check | When |
|---|---|---|
| Preliminary projection | Income, deductions, bracket room | September |
| Coordination with your CPA | State tax, estimated payments, credits | October |
| Final sizing | Actual gains and distributions to date | First week of December |
| Conversion executed | In-kind transfer between accounts | By December 15 |
| Tax payment planned | Estimated payment or withholding | By January 15 |

## Medicare premium surcharges

For clients aged 63 and older, conversion income can raise Medicare premiums two years later through the income-related monthly adjustment amount. The surcharge applies in steps, so exceeding a threshold by one dollar triggers the full step for the whole year. We show the IRMAA thresholds alongside the bracket thresholds and usually keep conversions just below the next step unless the long-term benefit clearly outweighs the surcharge.

## The five-year rules

Two separate five-year clocks apply. The first determines whether earnings in a Roth IRA can be withdrawn tax free: the owner must be 59 and a half and the first Roth IRA must have been opened at least five tax years earlier. The second applies to each conversion separately: converted amounts withdrawn within five years are subject to the 10 percent early withdrawal penalty if you are under 59 and a half. For most retirees the second rule no longer matters.

## The pro-rata rule and backdoor contributions

If you hold any pre-tax money in traditional, SEP or SIMPLE IRAs, the IRS treats all those balances as one pool when you convert. You cannot convert only the after-tax part. Clients who want to make backdoor Roth contributions should first consider rolling pre-tax IRA balances into a current employer's 401(k), if the plan accepts roll-ins, so that the pool is empty at year end.

## Paying the tax

The best source for the tax is cash or taxable investments outside the IRA. Paying the tax from the converted amount reduces the benefit and, if you are under 59 and a half, the withheld amount is itself subject to penalty. We schedule an estimated tax payment or increase withholding from another IRA distribution so that you avoid underpayment penalties.

## Conversions cannot be undone

Since 2018 a conversion can no longer be recharacterised back to a traditional IRA. For this reason we convert late in the year, once most of the income picture is known, and sometimes split the conversion into two steps, one in the spring if markets have fallen and one in December to finish filling the bracket.

## What you receive from us

Each client who converts receives a one-page summary showing the amount converted, the projected tax cost, the expected break-even year and the effect on future RMDs and heirs. The custodian issues Form 1099-R in January, which your tax preparer will need.
"""

DOCS["tax_loss_harvesting"] = """
# Tax-Loss Harvesting at Harborview

Tax-loss harvesting means selling an investment that is worth less than you paid, using the realised loss to reduce taxes, and immediately reinvesting in a similar holding so the portfolio keeps its market exposure. Harborview Wealth Partners harvests losses in every taxable account we manage unless the client opts out. This note explains how our process works and what clients should know.

## How the tax benefit works

Realised capital losses first offset realised capital gains of the same type, then gains of the other type. If losses exceed gains for the year, up to $3,000 of the excess reduces ordinary income, and anything left carries forward to future years without limit. A harvested loss therefore has value even in a year with no gains.

Harvesting does not eliminate tax forever. The replacement holding has a lower cost basis, so a larger gain may be realised when it is eventually sold. The benefit comes from deferral, from converting the tax character of gains, and from the step-up in basis at death or a charitable gift, which can erase the deferred gain entirely.

## Our harvesting rules

Our trading system scans taxable accounts every business day. An advisor reviews candidate trades at least weekly, and daily during periods of high market volatility. A position is harvested when:

- The unrealised loss is at least $1,000 and at least 5 percent of the position's cost basis.
- A suitable replacement security is on the approved list.
- No purchase of the same or a substantially identical security has occurred in the household during the previous 30 days.
- The client has not placed a restriction on the position.

## Avoiding wash sales

A loss is disallowed if you buy the same or a substantially identical security within 30 days before or after the sale. The rule applies across all of your accounts, including IRAs and a spouse's accounts, and automatic dividend reinvestment can trigger it. We therefore turn off dividend reinvestment in taxable accounts, coordinate across every account in the household that we manage, and ask clients to tell us about accounts we do not manage.

| Sold | Typical replacement | Why it is not substantially identical |
|---|---|---|
| Total US stock market index fund | S&P 500 index fund | Different index and different holdings |
| Developed international index fund | International index fund from another provider tracking a different index | Different index methodology |
| Intermediate municipal bond fund | Municipal fund with a different manager and maturity range | Different portfolio and manager |

After 31 days we may switch back to the original holding if it is the preferred long-term choice and the switch does not create a significant gain.

## What clients see

Harvest trades appear on custodian confirmations and in the quarterly report, where realised gains and losses are summarised year to date. Each January we send a harvesting summary with the total losses realised and any carryforward we are aware of. Your tax preparer should use the custodian's Form 1099-B as the official record.

## When harvesting is paused or limited

We pause harvesting in an account during the month before a planned large withdrawal, when the client has asked us to keep specific holdings, and in December for funds expected to pay large capital gain distributions shortly after purchase. Harvesting has little value for clients in the 0 percent long-term capital gains bracket, and we may instead realise gains at a zero rate for them, a technique known as gain harvesting.

## Opting out

Clients who prefer that we do not harvest, for example because an outside professional manages their tax strategy, can opt out by sending a secure message to their advisor. The opt-out applies to all accounts in the household and remains in effect until withdrawn in writing.
"""

DOCS["market_commentary_q4_2025"] = """
# Market Commentary: Fourth Quarter 2025

Prepared by the Harborview Wealth Partners Investment Committee for clients. This commentary reflects our views at the time of writing in early January 2026. It is not a forecast of any specific security and does not change any client's agreed allocation.

## The year in brief

The year 2025 tested patience more than it rewarded prediction. Markets absorbed a sharp spring sell-off driven by trade policy uncertainty, recovered through the summer as corporate earnings held up better than feared, and finished the year with broad gains across most major asset classes. Investors who stayed with diversified portfolios were rewarded; investors who sold during the April decline and waited for clarity generally missed a large part of the recovery.

For our clients, balanced portfolios ended the year with solid positive returns after fees. Exact figures for your household appear in your fourth-quarter report, available in the Client Portal by the 15th business day of January.

## Stocks

Large United States companies again led, with technology and communication firms contributing an outsized share of index returns. That concentration is a risk worth watching: the ten largest companies now make up a larger share of the broad United States market than at any time in the last fifty years. Our portfolios hold these companies at market weight through index funds, but we do not add to them beyond that.

International developed markets had a strong year, helped by a weaker dollar, and emerging markets recovered after several difficult years. This is the kind of rotation that supports our long-standing allocation of about 30 percent of equities outside the United States, which many investors abandoned after a decade of United States outperformance.

## Bonds and interest rates

The Federal Reserve lowered its policy rate during the second half of the year as inflation moved closer to its target and the labour market cooled. Longer-term yields fell less than short-term yields, so the yield curve steepened. High-quality bonds provided both income and, during the spring sell-off, the stabilising role that was missing in 2022.

We extended the average duration of our core bond holdings modestly, from about 5.0 years to about 5.5 years, to lock in yields that remain attractive by the standards of the last fifteen years. Municipal bonds continue to offer good after-tax value for clients in the higher federal brackets and in Massachusetts.

## What we changed this quarter

- Rebalanced accounts in which stocks had drifted more than five percentage points above target.
- Harvested losses in a small number of international bond and real estate positions early in the quarter.
- Completed year-end Roth conversions for clients whose plans called for them.
- Processed required minimum distributions and qualified charitable distributions before the December deadlines.

## Our outlook for 2026

We expect more modest returns from United States large companies than in recent years, because valuations already reflect much good news, and better relative prospects for smaller companies and international markets. Bond yields still offer a reasonable real return over inflation. Cash yields are falling as policy rates decline, which makes it worth reviewing large cash balances held outside the plan.

We do not know when the next downturn will come. We do know that portfolios built on a sound allocation, with a cash reserve for planned withdrawals and a habit of rebalancing, do not need to guess. If your circumstances have changed, the best time to review your allocation is before markets force the question.

## Upcoming client events

Our annual client seminar on tax planning takes place in the Boston office in the third week of February, with a video stream for clients in Portland, Providence and Burlington. Topics include changes to deductions, Roth conversion planning and charitable giving after the new tax law. Invitations will be sent through the Client Portal.
"""

DOCS["it_security_policy"] = """
# IT Security Policy for Advisors

Applies to all advisors, associates and contractors of Harborview Wealth Partners. Maintained by the IT and Security Manager; approved by the Managing Partner. Last reviewed November 3, 2025.

## Purpose

Advisors hold some of the most sensitive information our clients have: account numbers, tax returns, identification documents and details of family finances. A single compromised laptop or email account can expose that information or be used to steal client money. This policy sets the minimum security practices every advisor must follow, on every device, in every location.

## Accounts and passwords

Every firm system requires multi-factor authentication. Advisors use a hardware security key for email, the CRM, the planning software and the custodian platform; a phone authenticator app is allowed only as a backup. Text-message codes are not permitted for firm systems.

- Passwords must be at least 14 characters and unique to each system, generated and stored in the firm password manager.
- Never share a password or security key, including with colleagues or assistants.
- Report a lost security key to IT the same day; IT disables it and issues a replacement within one business day.

## Laptops and workstations

Firm laptops are encrypted with full-disk encryption, managed centrally and patched automatically. Screens lock after five minutes of inactivity. Advisors must not install software that IT has not approved, disable security tools or connect USB storage devices; USB ports are blocked for storage by policy.

Client data may be stored only in firm systems: the CRM, the document vault and the firm's cloud drive. It may never be saved to the laptop desktop, to personal cloud storage or to removable media.

## Mobile phones

Advisors who read firm email on a phone must enrol the phone in mobile device management. The management profile enforces a six-digit passcode, encryption and remote wipe, and separates firm data from personal apps. Text messages and consumer messaging apps must not be used to communicate with clients about their accounts, because the firm cannot archive them as regulations require.

## Email and phishing

Email is the most common route for attacks on advisory firms. Advisors must report suspicious messages with the report button in the email client rather than deleting them. Never open attachments or follow links in unexpected messages, even when they appear to come from a client or a colleague. IT runs a phishing simulation every quarter; advisors who fail two simulations in a year complete additional training.

Client documents are sent only through the Client Portal or encrypted email. Ordinary email may not contain Social Security numbers, full account numbers or copies of identification.

## Money movement requests

Fraudsters often impersonate clients by email to request wire transfers. Every request to move money to a third party, or any wire above $25,000, requires verbal confirmation by calling the client at the phone number already on file, never at a number given in the request. A second employee approves the transfer before Operations releases it. Requests that arrive with urgency, secrecy or a change of bank details are treated as suspicious until verified.

## Working remotely and travelling

Advisors may work from home and while travelling, but must connect to firm systems through the firm VPN whenever they use a network the firm does not control, including hotel and airport Wi-Fi. Keep screens out of view of others in public places, never leave a laptop in a parked car, and use a privacy screen on flights and trains. Printing client documents at home is prohibited.

## Reporting incidents

Report any suspected incident immediately, and always within one hour: a lost or stolen device, a message sent to the wrong recipient, a suspicious login alert, or a client who reports an email they did not expect from us. Call the IT hotline or email the security mailbox; outside business hours, use the after-hours number in the escalation contacts list. Reporting quickly is never held against an employee; delay can turn a small problem into a notifiable breach.

## Training and attestation

All advisors complete security awareness training at hire and by January 31 each year, and sign an annual attestation that they have read and follow this policy. Violations may result in disciplinary action up to termination of employment or contract.
"""

DOCS["estate_planning_checklist"] = """
# Estate Planning Checklist

Harborview Wealth Partners reviews each client's estate plan at least every three years and after every major life event. We are not attorneys and do not draft legal documents, but we help clients identify gaps, prepare for meetings with their estate attorney and make sure that accounts and beneficiary designations match the plan. Use this checklist to prepare for your estate review.

## Core documents

Every adult should have the following documents, signed and stored where the people who need them can find them:

1. A will that names an executor and, for parents of minor children, a guardian.
2. A durable power of attorney for finances, naming an agent who can manage money if you cannot.
3. A health care proxy and a living will or advance directive that records your wishes for medical treatment.
4. A HIPAA authorisation so that family members can speak with doctors.
5. For many clients, a revocable living trust to avoid probate, keep the estate private and manage assets for beneficiaries.

## Beneficiary designations

Retirement accounts, life insurance, annuities and accounts with transfer-on-death registration pass by beneficiary designation, not by your will. Outdated designations are the most common estate planning error we find, for example a former spouse still named on a life insurance policy or a trust named on an IRA without the language needed to preserve tax deferral.

- List every account and policy with its primary and contingent beneficiaries.
- Confirm the designations match your current wishes and your estate documents.
- Name contingent beneficiaries on every account.
- Avoid naming minors directly; use a trust or custodial arrangement instead.

## Estate and gift taxes

For 2025 the federal estate and gift tax exemption is $13,990,000 per person, and a married couple can use both exemptions. Massachusetts taxes estates above $2,000,000, and the state exemption is not portable between spouses, so married Massachusetts couples often need trust planning that federal law alone would not require. Maine, Rhode Island and Vermont have their own estate taxes with different thresholds; your advisor will check which rules apply to you and to any property you own in other states.

The annual gift tax exclusion for 2025 is $19,000 per recipient. Gifts within that amount do not use any exemption and need no gift tax return.

## Digital assets and practical information

Estates increasingly include digital assets: online accounts, photos, email and sometimes cryptocurrency. Your executor will need a way to find and access them. Keep an up-to-date inventory in your password manager's emergency access feature or a sealed letter with your attorney, and authorise your agent and executor to access digital accounts in your documents.

Prepare a letter of instruction for your family that lists your advisors, accounts, insurance policies, location of original documents, funeral wishes and any personal items you want to go to particular people. The letter is not legally binding, but it spares your family a great deal of searching.

## Funding the trust

A revocable trust only avoids probate for assets it owns. After the trust is signed, accounts must be retitled in the name of the trust, and real estate deeds transferred. Harborview Operations retitles the accounts we manage once we receive a trust certification; we provide the client with a list of other assets, such as bank accounts and property, that need the attorney's help.

## When to review your plan

Review your estate plan with us and with your attorney after any of the following events:

- Marriage, divorce or the death of a spouse.
- The birth or adoption of a child or grandchild.
- A move to another state.
- A large change in net worth, such as an inheritance or the sale of a business.
- A change in the health or circumstances of an executor, trustee or guardian you have named.
- A change in federal or state estate tax law.

## Secure document storage

Clients may upload copies of signed estate documents to the document vault in the Client Portal, where the advisor can review them. Keep the signed originals in a fireproof safe at home or with your attorney; a safe deposit box can be hard for your family to open after your death.
"""

DOCS["escalation_contacts"] = """
# Escalation Contacts

Internal list for Harborview Wealth Partners employees. Do not forward to clients or outside parties. Updated December 1, 2025. When a client issue cannot be resolved at your level, escalate in the order below. For a security incident, go straight to the security contacts section.

## Client service (first level)

Most service issues are resolved by the Client Service team. The team lead for the current month takes escalations from associates and advisors.

- Priya Raman, Director of Client Service: praman@harborview-wealth.com, direct line (617) 555-0165.
- Client service mailbox: service@harborview-wealth.com, main line (617) 555-0100.

## Operations (second level)

Escalate to Operations for stalled account transfers, incorrect fee debits, custodian errors and money movement problems.

- Rebecca Stone, Operations Manager: rstone@harborview-wealth.com, direct line 617-555-0126, mobile +1 617 555 0183 for urgent wires after 3:00 p.m.

## Compliance (third level)

Escalate to Compliance the same day for any complaint that alleges misconduct, any suspected exploitation of a senior client, sanctions screening hits, subpoenas and regulator contact.

- Daniel Okafor, Chief Compliance Officer: dokafor@harborview-wealth.com, direct line 617-555-0178.

## Managing Partner (fourth level)

Escalate to the Managing Partner for matters involving potential litigation, a financial remedy above $5,000, press enquiries or a loss of client assets.

- Michael Brennan, Managing Partner: mbrennan@harborview-wealth.com, direct line (617) 555-0101.

## Security contacts

Report lost devices, suspicious logins, misdirected emails and suspected phishing immediately, and in any case within one hour.

- Samuel Ortiz, IT and Security Manager: sortiz@harborview-wealth.com, direct line 617-555-0119.
- Security mailbox: security@harborview-wealth.com.
- After-hours IT hotline, answered by our managed service provider: +1 617 555 0177.

## Branch contacts

| Office | Branch manager | Email | Phone |
|---|---|---|---|
| Portland, Maine | Thomas Beaulieu | tbeaulieu@harborview-wealth.com | (207) 555-0131 |
| Providence, Rhode Island | Grace Whitaker | gwhitaker@harborview-wealth.com | (401) 555-0187 |
| Burlington, Vermont | Hannah Liu | hliu@harborview-wealth.com | (802) 555-0154 |

## Custodian service desk

Northgate Custody Services advisor service desk, available 8:00 a.m. to 8:00 p.m. Eastern on business days: 1-800-555-0148. Have the firm's master account number ready; it is stored in the password manager under Custodian.

## How to escalate well

When you escalate, send one message that states the client, the accounts involved, what the client asked for, what has been tried, what is needed and by when. Copy the client's lead advisor. If the matter is urgent, call first and follow up in writing. Record every escalation in the CRM activity log so the history stays with the client record.
"""

DOCS["fee_schedule"] = """
# Advisory Fees and Service Programs

Harborview Wealth Partners is a fee-only firm. We are paid only by our clients, never by fund companies or insurers, and we receive no commissions. This page summarises our fees. The advisory agreement and Form ADV Part 2A contain the complete terms.

## Wealth Management

Wealth Management combines ongoing investment management with comprehensive financial planning and a dedicated advisory team. The program minimum is $250,000 in household assets under management, and the minimum annual fee is $2,500.

| Household assets under management | Annual fee on assets in this tier |
|---|---|
| First $1,000,000 | 1.00 percent |
| Next $2,000,000 (up to $3,000,000) | 0.80 percent |
| Next $2,000,000 (up to $5,000,000) | 0.60 percent |
| Above $5,000,000 | 0.45 percent |

The fee is tiered, so each rate applies only to the assets within its tier. For example, a household with $2,000,000 under management pays 1.00 percent on the first $1,000,000 and 0.80 percent on the second, a total of $18,000 a year, or a blended 0.90 percent.

## Foundations

Foundations is designed for clients who are building wealth and have between $50,000 and $250,000 to invest. It includes model portfolio management, an annual planning meeting by video and unlimited secure messaging with an advisor. The fee is a flat 1.20 percent per year with no minimum fee. When a Foundations household passes $250,000, we offer to move it to Wealth Management at the next quarter.

## Planning Only

Clients who want advice without investment management can engage us for planning on a project basis:

- Comprehensive financial plan: $3,500, delivered within eight weeks.
- Annual plan update: $1,800 per year.
- Retirement Readiness Review, a focused analysis of retirement timing and income: $1,200.
- Hourly consultations: $300 per hour, billed in quarter-hour increments.

The comprehensive plan fee is waived for Wealth Management households with at least $500,000 under management. Planning fees may be paid by check, bank transfer or card.

## How fees are calculated and billed

Asset-based fees are billed quarterly in arrears, based on the market value of the household's managed accounts on the last business day of the quarter. The fee is debited from the accounts about ten business days after quarter-end, and the custodian statement shows the deduction. Clients may choose which account pays the fee; we usually recommend a taxable account so that retirement assets keep growing tax deferred.

Accounts of family members living in the same household are combined to reach lower tiers. Clients may also ask us to include the accounts of adult children or parents in the household calculation, with each account holder's written consent.

## What is not included

Our fee does not include fund expense ratios, which are charged inside the funds and average below 0.20 percent in our models, custodian charges for wires or paper statements, or fees of other professionals such as attorneys and accountants. We do not charge for account transfers into Harborview and we reimburse up to $150 per account of transfer fees charged by the previous firm.

## Ending the relationship

Either party may end the advisory agreement with 30 days' written notice. There is no termination fee. Fees are prorated to the date of termination, and a new client who cancels within five business days of signing receives a full refund of any fee paid.
"""

DOCS["office_locations"] = """
# Offices, Hours and How to Reach Us

Harborview Wealth Partners serves clients from four offices in New England and by video anywhere in the United States. Every client has an assigned advisor and a client service contact; you can also reach the client service team at any office.

## Office hours

All offices are open Monday to Thursday from 8:30 a.m. to 5:30 p.m. and Friday from 8:30 a.m. to 4:00 p.m. Eastern time. During tax season, from February through April, the Boston office is also open on Saturdays from 9:00 a.m. to noon by appointment. Offices close on days the New York Stock Exchange is closed and on the day after Thanksgiving.

## Boston headquarters

Our headquarters and largest office is at 200 Atlantic Avenue, Suite 1400, Boston, MA 02110, two blocks from the Aquarium stop on the Blue Line. Validated parking is available in the building garage for meetings. Main line: (617) 555-0100. The office is home to the investment team, operations, compliance and the client service team.

## Portland, Maine

Our Portland office opened in 2014 at 45 Commercial Street, Suite 300, Portland, ME 04101, overlooking the harbour. Branch manager Thomas Beaulieu leads a team of three advisors who specialise in business owners and retirees. Office line: (207) 555-0130.

## Providence, Rhode Island

The Providence office at 10 Weybosset Street, Suite 700, Providence, RI 02903 opened in 2017. Branch manager Grace Whitaker and her team focus on physicians, university faculty and families planning for college. Office line: (401) 555-0180.

## Burlington, Vermont

Our newest office, opened in 2022, is at 150 Bank Street, 2nd Floor, Burlington, VT 05401. Branch manager Hannah Liu serves clients across Vermont and northern New York, many of them by video. Office line: (802) 555-0150.

## Ways to reach us

| Need | Best channel | Response time |
|---|---|---|
| Questions about your plan or portfolio | Your advisor, or secure message in the Client Portal | Within 1 business day |
| Statements, forms, address changes | Client service team | Same business day if received by 3:00 p.m. |
| Urgent money movement | Phone call to your advisor or the main line | Immediate |
| Suspected fraud or a suspicious message from us | Phone call to the main line, option 9 | Immediate |

For privacy reasons, please do not send Social Security numbers, account numbers or identification documents by ordinary email. Use the document upload in the Client Portal instead.

## Accessibility

All four offices are wheelchair accessible. Meeting materials are available in large print on request, and we can arrange sign language interpretation for meetings with five business days' notice.
"""

DOCS["client_portal_help"] = """
# Client Portal Help

The Harborview Client Portal gives you a single view of the accounts we manage and the outside accounts you choose to link, along with your financial plan, documents and secure messaging with your advisory team. This help page answers the most common questions about signing in and using the portal.

## Signing in for the first time

You receive an invitation email from the portal within one business day of signing your advisory agreement. The link in the invitation is valid for seven days. You will choose a password of at least 12 characters and set up multi-factor authentication with an authenticator app or a text message to your mobile phone. We recommend an authenticator app, which is more secure than text messages.

If your invitation expired, ask your client service contact to send a new one. For your protection, staff cannot see or set your password.

## Trouble signing in

After five unsuccessful attempts the portal locks your account for 30 minutes. You can reset your password at any time with the "Forgot password" link, which sends a reset code to your email address on file. If you changed phones and can no longer receive authentication codes, call the client service team; we verify your identity with questions about your accounts before resetting multi-factor authentication, and we never ask for your password.

## What you can see

- The balances and holdings of every account we manage, updated each business day after the markets close.
- Outside accounts you link, such as bank accounts, 401(k) plans and mortgages, refreshed daily through a read-only connection.
- Performance reports, released quarterly by the 15th business day after quarter-end.
- Your financial plan, investment policy statement and meeting summaries.
- Tax documents from the custodian, posted as they become available from late January through mid-March.

## Documents and the vault

The document vault stores statements, reports, agreements and the documents you upload. Files you upload are encrypted and visible only to you and your advisory team. You can upload tax returns, estate documents, insurance policies and identification here instead of sending them by email. Each file may be up to 50 MB, and common formats such as PDF, JPEG and Word documents are accepted.

## Secure messaging

Use secure messaging for questions and requests that involve account details. Messages are answered within one business day. Secure messages are not monitored outside business hours, so for urgent matters, such as a suspected unauthorised transaction, call the main line instead.

## Paperless delivery

By default, custodian statements and confirmations are delivered electronically, and you receive an email when a new document is available. You may switch to paper delivery at any time in the portal settings; the custodian may charge a small fee for paper statements.

## Supported devices

The portal works in the current and previous versions of the major browsers on Windows and macOS, and through the Harborview Wealth mobile app for iOS and Android. The app supports face and fingerprint sign-in after the first full sign-in on the device.

## Security tips

Never sign in through a link in an unexpected email; type the portal address or use the app. Harborview will never ask you for your password or an authentication code by phone, text or email. If you receive such a request, do not respond and call us on the main line.
"""

DOCS["rmd_guide"] = """
# Required Minimum Distributions: How They Work and How We Handle Them

Required minimum distributions (RMDs) are the annual withdrawals the IRS requires from most tax-deferred retirement accounts once you reach a certain age. Missing one is costly, so Harborview Wealth Partners tracks and processes RMDs for every account we manage. This guide explains the rules and our process.

## When RMDs begin

Your RMD age depends on your birth year. It is 73 for people born from 1951 through 1959 and 75 for people born in 1960 or later. Your first RMD is for the year you reach that age. You may delay the first withdrawal until April 1 of the following year, but the second RMD is still due by December 31 of that year, so delaying puts two distributions in one tax year.

RMDs apply to traditional IRAs, SEP and SIMPLE IRAs, inherited IRAs and most workplace plans such as 401(k) and 403(b) accounts. Roth IRAs and, since 2024, Roth 401(k) accounts have no RMDs for the original owner. If you are still working and do not own 5 percent or more of the company, you can usually delay RMDs from your current employer's plan until you retire.

## How the amount is calculated

Each year's RMD equals the account balance on December 31 of the previous year divided by a life expectancy factor from the IRS Uniform Lifetime Table. If your spouse is the sole beneficiary and more than ten years younger, the Joint Life Table gives a smaller RMD.

| Age | Uniform Lifetime Table factor | RMD per $100,000 of balance |
|---|---|---|
| 73 | 26.5 | $3,774 |
| 75 | 24.6 | $4,065 |
| 80 | 20.2 | $4,950 |
| 85 | 16.0 | $6,250 |
| 90 | 12.2 | $8,197 |

If you have several traditional IRAs, the RMDs are calculated separately but may be taken from any one or more of them. This flexibility does not extend to 401(k) plans, each of which must distribute its own RMD.

## Penalties

A missed or short RMD is subject to an excise tax of 25 percent of the shortfall, reduced to 10 percent if corrected within two years. The IRS may waive the tax for reasonable error if you take the missed amount promptly and file Form 5329 with an explanation.

## Inherited accounts

Most non-spouse beneficiaries who inherited an IRA after 2019 must empty it within ten years of the owner's death, and if the owner had already started RMDs, the beneficiary must also take annual RMDs during those ten years. Spouses, minor children of the owner, disabled or chronically ill beneficiaries and beneficiaries not more than ten years younger than the owner have other options. We review every inherited account with the beneficiary in the year of inheritance.

## Our RMD service

- In January we calculate the RMD for every account we manage and post the amounts in the Client Portal.
- By default we distribute the RMD in the first week of December, after reviewing the year's tax picture. Clients may instead choose monthly or quarterly payments.
- Federal and state tax withholding follow the elections you made on the distribution form; we review withholding each autumn to avoid underpayment penalties.
- For clients who give to charity, we arrange qualified charitable distributions directly from the IRA, which count toward the RMD.
- If you hold retirement accounts elsewhere, give us the December 31 balances so we can include them in your plan; we cannot process RMDs for accounts we do not manage.

## Questions

Your advisor can help you decide when to take RMDs, how much to withhold and whether Roth conversions before RMD age would reduce future RMDs. Contact your advisor or the client service team for help.
"""

DOCS["quarterly_review"] = """
# Quarterly Portfolio Review: Third Quarter 2025

Prepared for Ruth Adeyemi and Kofi Adeyemi by Grace Whitaker, Lead Advisor, Providence office.
Meeting held on October 21, 2025 at 10 Weybosset Street, Suite 700, Providence, RI 02903.
Mailing address on file: 212 Hope Street, Providence, RI 02906.

## Purpose of this review

This document summarises the discussion at your third-quarter review meeting, the performance of your accounts and the actions we agreed. Please read it and let us know within 30 days if anything does not match your understanding. Official values are those on your custodian statements.

## Household snapshot

| Account | Value on September 30, 2025 | Target allocation | Status |
|---|---|---|---|
| Joint taxable account | $684,200 | Balanced | Within bands |
| Rollover IRA of Ruth Adeyemi | $912,750 | Balanced | Rebalanced in August |
| Roth IRA of Kofi Adeyemi | $158,400 | Growth | Within bands |
| 529 plan for their granddaughter | $96,300 | Age-based | Within bands |
| Total | $1,851,650 | | |

Your household has moved from $1,702,900 at the start of the year, after net withdrawals of $48,000 for the kitchen renovation you completed in June. The quarterly advisory fee for the period was $4,131, debited from the joint taxable account.

## Performance discussion

The balanced portfolios gained during the quarter as both stock and bond markets rose. International holdings contributed more than usual, and the bond portfolio's return was helped by falling interest rates. Time-weighted returns for each account, net of fees, are shown in your quarterly report in the Client Portal.

You asked whether the portfolio should hold more United States technology stocks given their recent strength. We discussed how much of the broad index those companies already represent and agreed to keep the current allocation, which holds them at market weight.

## Retirement timing

Ruth Adeyemi plans to retire from the university at the end of the spring 2027 semester. The updated plan shows a probability of success of 87 percent with retirement in June 2027 and your current spending target of $9,500 a month after tax. Retiring in December 2026 lowers the figure to 79 percent, which is still within our comfortable range but leaves less room for surprises.

## Actions agreed

1. Harborview will prepare a Roth conversion analysis for 2025 before December 1, sized to fill the 22 percent bracket.
2. Kofi Adeyemi will send the latest statement for his consulting SEP IRA so we can include it in the plan.
3. Ruth Adeyemi and Kofi Adeyemi will meet their estate attorney before year end to update their wills; we will send the attorney the beneficiary summary.
4. Harborview will increase the monthly 529 contribution from $400 to $600 starting in November.
5. Next review meeting: late January 2026, by video.

## Reminders

Please tell us about any change in income, health, family or goals before the next meeting. Remember that the Client Portal shows your balances daily and that secure messages are answered within one business day.
"""

DOCS["encrypted_statement"] = """
# Account Statement: December 2025

Harborview Wealth Partners, managed account summary for Victor Hale, 71 Elm Road, Falmouth, ME 04105. Statement period December 1 to December 31, 2025.

## Account holder

Victor Hale, taxpayer identification number 603-18-2947, phone (207) 555-0112, email victor.hale@yahoo.com. Fee payment card ending in the number 3782 822463 10005 (American Express) is on file for planning fees.

## Summary of activity

| Item | Amount |
|---|---|
| Beginning value | $1,204,880.15 |
| Contributions | $0.00 |
| Withdrawals | -$12,000.00 |
| Advisory fee | -$2,731.40 |
| Change in value | $18,455.73 |
| Ending value | $1,208,604.48 |

## Holdings

The account holds the Balanced model: broad United States and international stock index funds, an intermediate municipal bond fund and a short-term Treasury fund used for the monthly withdrawal. The monthly distribution of $6,000 is paid to the checking account on file on the first business day of each month.
"""

DOCS["annual_report"] = """
# 2025 Annual Report to Clients

From the Managing Partner of Harborview Wealth Partners. This report reviews the firm's year, our service results, the changes we made to our investment approach and our plans for 2026.

## A letter to our clients

This was our sixteenth year serving families across New England. Client assets under management grew to about $1.9 billion across roughly 1,100 households, and we welcomed 96 new client families, most of them referred by existing clients, accountants and attorneys. We are grateful for the trust those referrals represent.

We also invested in the people and systems behind our service. We hired four new associate advisors, moved our planning software to a new platform that gives clients a live view of their plan in the Client Portal, and completed an independent review of our cybersecurity controls.

## Service results

Every year we measure how well we keep our service promises. In 2025, 97 percent of secure messages were answered within one business day, the average onboarding took 34 days from signed agreement to fully invested accounts, and 94 percent of clients who responded to our annual survey said they would recommend us to a friend.

## Investment approach

Our Investment Committee met twelve times. We lowered the weighted expense ratio of our model portfolios, replaced one international bond fund after a manager change, and extended bond duration modestly. We also added responsible investing versions of two more model portfolios at client request.

## Looking ahead to 2026

Next year we will introduce a family meeting program for clients who want to involve adult children in their planning, expand Saturday appointments during tax season, and open a small satellite office in Portsmouth, New Hampshire, staffed two days a week by advisors from the Portland office.

## Our people

Harborview now employs 38 people, including 14 advisors who hold the CERTIFIED FINANCIAL PLANNER designation. Employee turnover was below 5 percent for the third consecutive year. Continuity matters to clients, and we intend to keep it that way.

## Financial strength

The firm is owned entirely by its partners, carries no debt and maintains professional liability and cyber insurance well above regulatory requirements. Our annual audit of client fee calculations, conducted by an outside accounting firm, found no material exceptions.
"""

# --- Non-ASCII documents (written as TXT in legacy encodings, never rendered to PDF) ---------------

DOCS["branch_notes_cp1252"] = """
# Portland Branch Notes – Winter 2025

Operations notes kept by the Portland office of Harborview Wealth Partners for the branch team. Written by Thomas Beaulieu, branch manager. These notes cover the branch’s own routines; firm-wide policies always take precedence.

## Clients with accounts in Europe

Several Portland households have ties to Europe, and their questions come up often enough that the team should know the routine. Amélie Durand, a retired professor who splits the year between Cape Elizabeth and Lyon, receives a French state pension in euros. Her pension is paid into her account at a French bank, IBAN FR14 2004 1010 0505 0001 3M02 606, and she moves about €4,000 each quarter to her joint account with us. Her phone in Maine is (207) 555-0176.

Another Portland household keeps a German savings account for a rental flat in Munich, IBAN DE89 3704 0044 0532 0130 00. Rent of roughly €1,250 a month is collected there and is reported on their United States return; their accountant prepares the foreign account filings.

- Currency transfers are handled by the custodian’s foreign exchange desk – never by an outside money transmitter.
- Exchange rates are locked on the trade date; confirm the rate with the client before releasing the wire.
- Foreign accounts must appear in the net worth statement, converted at the year-end rate.

## Client vocabulary

Clients often use their own words for everyday banking, so here is a short glossary. French: “relevé de compte” (statement), “virement” (transfer), “frais” (fees), “échéance” (due date), “crédit d’impôt” (tax credit). German: “Kontoauszug” (statement), “Überweisung” (transfer), “Gebühren” (fees), “Fälligkeit” (due date), “Steuergutschrift” (tax credit). Team members aren’t expected to translate – the list is there so we recognise what clients mean.

## Office routines

The café on the ground floor opens at 7:00 a.m.; the first advisor in unlocks the conference room and checks the video equipment before 8:15. Card numbers must never be written into call notes. In November a client read her card number, 4111 1111 1111 1111, into a voicemail to pay a planning fee; the call log that transcribed it has been purged and the client was sent the secure payment link instead. Mail is opened in pairs – two employees sign the incoming-cheque log – and deposited the same day. The shredding bin is collected every second Tuesday.

Our harbour-view conference room is booked through the shared calendar. Please don’t hold it “just in case”: client meetings take priority over internal ones, and the small room next to reception is fine for calls.

## Winter weather closures

When the city declares a parking ban or the state closes non-essential offices, the branch closes and the team works remotely. Thomas Beaulieu sends a message to the branch by 6:30 a.m. Clients with meetings that day are called – not emailed – and offered a video meeting at the same time. The main line is forwarded to the Boston office, which answers for Portland on closure days.

## Résumé of open items

1. Replace the reception printer (quote received: $640 – approved).
2. Schedule the annual fire-safety walk-through with the landlord.
3. Finish scanning pre-2019 paper files into the document vault – about 40 boxes left.
4. Confirm holiday coverage for the week between Christmas and New Year’s Day.
"""

DOCS["welcome_letter_utf16"] = """
# Welcome to Harborview Wealth Partners

Zoë Lindqvist
17 Orchard Hill Road, Cape Elizabeth, ME 04107

Dear Zoë Lindqvist,

On behalf of everyone at Harborview Wealth Partners, welcome. Thank you for choosing us to help with your financial planning and investments – we don’t take that trust lightly. This letter explains what happens over the next few weeks and who you’ll be working with.

## Your team

Your lead advisor is Thomas Beaulieu, who manages our Portland office and has worked with clients in Maine for more than fifteen years. He’ll be your first call for anything related to your plan or your portfolio. Our client service team in Portland handles paperwork, transfers and questions about statements; you can reach them at (207) 555-0130.

## What happens next

- Within one business day you’ll receive an invitation to the Client Portal. Please set it up with an authenticator app.
- Our operations team will open your accounts at Northgate Custody Services and send the applications for your e-signature.
- Transfers from your previous firm usually take five to seven business days; we’ll keep you posted each week until everything arrives.
- Within 30 days of funding you’ll receive your investment policy statement, which records the “Balanced” risk profile we agreed on.

## A note about our approach

You mentioned that your late husband managed the family’s investments and that you felt a little naïve about markets. Please don’t worry – there are no silly questions here. Our job is to explain every recommendation in plain language and to make sure you’re comfortable before anything changes. We’ll meet again about 90 days after your accounts are funded to review how everything is going.

## Protecting your information

We will never ask for your password or a verification code by phone, text or email. If you ever receive a message that seems to come from us and feels unusual – especially one about moving money – call the office before responding.

With warm regards,

Thomas Beaulieu
Branch Manager, Portland – Harborview Wealth Partners
45 Commercial Street, Suite 300, Portland, ME 04101
"""

# Rendered as an image-only PDF (a scan, no text layer): see scanned.py. One page, no PII.
DOCS["records_retention_memo"] = """
# Records Retention Memo

Compliance asks every office to follow this schedule when paper files are boxed for storage. Scan each signed original into the document vault before the paper leaves the branch.

## Retention periods

- Client agreements: keep for six years after the account closes.
- Trade confirmations and statements: keep for six years.
- Marketing pieces and performance advertising: keep for five years after last use.
- Complaint files: keep for five years after the final response.

## Destruction

Boxes past their retention date are shredded by our bonded vendor each October. A certificate of destruction goes to Compliance, which files it with the annual review.
"""
