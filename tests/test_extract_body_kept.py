"""Pages whose body the shape rules used to take: minimal reproductions of dev pages.

Written here after pages of ../shared/data/extract (issue 19) where newsmon's
text fell far below trafilatura's: a list written as bullet paragraphs at the end
of a post, a gallery of captioned pictures, a memo's header, a calendar of dates,
a recipe. Each is article text; the junk around it must still go.
"""

from __future__ import annotations

from newsmon.extract import extract_article

PROSE = ("The council met on Tuesday evening to discuss the plans, which have divided the town "
         "for most of the year, and agreed to publish the full figures before the next meeting.")


def page(body: str, title: str = "A page", extra_head: str = "") -> str:
    return (f"<html><head><title>{title}</title>{extra_head}</head><body>"
            "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/about'>About</a></nav>"
            f"<article><h1>{title}</h1>{body}</article>"
            "<footer><p>© 2024 Example Media. All rights reserved.</p></footer></body></html>")


def text_of(html: str) -> str:
    article = extract_article(html, "https://www.example.org/2024/05/01/a-page")
    assert article is not None
    return article["text"]


def test_a_closing_list_written_as_bullet_paragraphs_is_kept():
    """dragnet: a post ending in its list of devices (one <p> each, "• ...") was cut to its intro."""
    devices = ["Amazon Kindle (DX)", "Barnes & Noble Nook", "Apple iPhone or iPod Touch", "Apple iPad",
               "Android Phone", "Sony Reader", "Blackberry", "Palm OS Handhelds (including Handspring and Treo)"]
    body = (f"<p>{PROSE}</p><p>The magazine can now be read on the following readers and devices:</p>"
            + "".join(f"<p>• {d}</p>" for d in devices))
    text = text_of(page(body, "Now you can read the magazine on ebook readers"))
    for d in devices:
        assert f"• {d}" in text


def test_a_gallery_keeps_its_captions():
    """dragnet: a gallery post whose headings each introduce a picture lost every heading."""
    captions = ["Season's Greetings", "It's Santa!", "Christmas Ribbon", "Simplistic Holiday Card",
                "Present Time!", "Christmas Angels", "Wrapping Paper", "Snowy Tree"]
    body = (f"<p>{PROSE}</p><p>Here are thirty designs to inspire you before the holidays begin.</p>"
            + "".join(f"<h3>{c}</h3><p><img src='/img/{i}.jpg' alt=''><br>Designed by studio {i}</p>"
                      for i, c in enumerate(captions)))
    text = text_of(page(body, "30 Designs to Inspire You"))
    for c in captions:
        assert c in text


def test_a_memo_header_of_label_lines_is_kept():
    """dragnet: a memo quoted in a post lost its FROM/TO/DATE/RE lines as "credits"."""
    header = ["FROM: Teo Macero", "TO: John Berg, Joe Agresti, Phyllis Mason", "DATE: November 14, 1969",
              "RE: Album cover for the new record", "CC: Clive Davis"]
    body = (f"<p>{PROSE}</p><p>The memo, found in the label's archive, reads in full:</p>"
            + "".join(f"<p>{h}</p>" for h in header)
            + "<p>Please make sure the artwork credits the photographer as agreed with the studio.</p>")
    text = text_of(page(body, "The memo behind the cover"))
    for h in header:
        assert h in text


def test_a_calendar_is_not_cut_to_its_comment_policy():
    """held-out report: a calendar list reduced to a comment-policy line."""
    events = [f"May {d}, 2024 – {what}" for d, what in
              [(3, "Farmers' market"), (7, "Library book sale"), (11, "Jazz in the park"),
               (14, "Town council meeting"), (18, "Spring fun run"), (21, "Planning hearing"),
               (25, "Open gardens day"), (28, "Recycling collection changes")]]
    body = ("<p>What's on in town this month</p>" + "".join(f"<p>{e}</p>" for e in events)
            + "<p>Comments are moderated and may take a day to appear.</p>")
    text = text_of(page(body, "Calendar: May in town"))
    for e in events:
        assert e in text


def test_a_recipe_keeps_its_ingredients_and_still_loses_the_share_bar():
    """held-out report: a recipe page's lists dropped."""
    ingredients = ["2 cups flour", "1 tsp salt", "3 eggs", "1 cup milk", "2 tbsp butter", "Pinch of nutmeg"]
    body = ("<p>Share on Facebook | Share on X | Email</p>"
            f"<p>{PROSE}</p><h2>Ingredients</h2>"
            + "".join(f"<p>{i}</p>" for i in ingredients)
            + "<h2>Method</h2><p>Whisk the eggs and milk, fold in the flour and salt, and rest the batter "
              "for an hour before frying it in the butter.</p>")
    text = text_of(page(body, "Simple pancakes"))
    for i in ingredients:
        assert i in text
    assert "Whisk the eggs" in text


def test_a_page_without_html_element_in_one_wrapper_is_read():
    """cleaneval: an archived page stored as its body in a wrapper of its own (no <html>, one
    <div> holding the rest) was taken for non-HTML input (trafilatura's check: a root with
    one child) and yielded no text at all."""
    posts = "".join(f"<div class='post'><div class='author'>Poster{i}</div><div class='date'>05-0{i}-2005</div>"
                    f"<p>Post number {i}: {PROSE}</p></div>" for i in range(1, 7))
    html = ("<text id='http://forum.example.org/archive/t-1.html' title='A thread'>"
            "<div class='pagebody'><div id='navbar'><a href='./'>Forum</a> &gt; <a href='f-1.html'>Community</a></div>"
            f"<h1>A thread</h1>{posts}<div id='copyright'>vBulletin, Copyright 2000-2005</div></div></text>")
    text = text_of(html)
    for i in range(1, 7):
        assert f"Post number {i}: The council met" in text


def test_a_feed_with_many_items_is_still_no_page():
    """The wrapper above is HTML layout; a feed's lone <channel> of many items is not."""
    items = "".join(f"<item><title>Story {i}</title><link>https://example.org/{i}</link>"
                    f"<description>{PROSE}</description></item>" for i in range(30))
    feed = f"<rss version='2.0'><channel><title>Example</title>{items}</channel></rss>"
    assert extract_article(feed, "https://example.org/rss.xml") is None


def test_a_field_every_record_repeats_is_kept_in_each():
    """cleaneval: job ads each ending in "Job type: Full time" kept the field in the first ad
    only: a line repeated on the page was dropped as a doubled widget. A lone repeated line
    (its neighbours are not repeats) is a record's field; a repeated run is still a copy."""
    jobs = ["Staff nurse, surgical ward", "Hospital pharmacist", "Physiotherapist, outpatients",
            "Radiographer, night shifts", "Ward clerk, maternity unit"]
    body = (f"<p>{PROSE}</p>"
            + "".join(f"<h2>{job}</h2><p>We are looking for a {job.lower()} to join a team that has grown "
                      f"for {i + 3} years in a row and now serves the whole county.</p><p>Job type: Full time</p>"
                      for i, job in enumerate(jobs)))
    text = text_of(page(body, "Jobs at the county hospital"))
    assert text.count("Job type: Full time") == len(jobs)


def test_a_sentence_split_at_its_links_is_kept_whole():
    """dragnet: a short post whose paragraph trafilatura splits at each <br> around its links lost
    the pieces the link and edge rules judge alone ("..., as" / "Gmail," / "Calendar, and")."""
    body = ("<p>Tuesday, June 09, 2009 10:38 AM<br>"
            "Our reader has finally come to the desktop app, as<br>"
            "<a href='/blog'>announced</a> on the reader blog. The gadget fits right in with the<br>"
            "<a href='/mail'>Mail</a>,<br><a href='/calendar'>Calendar</a>, and<br>"
            "<a href='/docs'>Docs</a> gadgets. Please<br><a href='/try'>give it a try</a> and<br>"
            "tell us what you think. Thanks to the intern who built this gadget over the summer.</p>")
    text = text_of(page(body, "Inside the desktop app"))
    for piece in ("has finally come to the desktop app, as", "Mail,", "Calendar, and", "give it a try"):
        assert piece in text, text
    assert "All rights reserved" not in text


def test_a_passage_the_page_repeats_line_for_line_is_kept_twice():
    """readability (replace-brs): a poem-like passage written with <br> line breaks, quoted a
    second time under a heading, lost its second copy: each repeated line is a fragment of a
    sentence that runs on into the next, which is prose repeated, not a doubled widget."""
    verse = ["The river rose all night and by the morning", "it had taken the bridge, the mill and half",
             "of the lower road, and the people of the valley", "stood on the hill and watched the water go by."]
    body = (f"<p>{PROSE}</p><p>{'<br>'.join(verse)}</p><h2>Read it again</h2>"
            f"<p>{'<br>'.join(verse)}</p>")
    text = text_of(page(body, "The flood, in verse"))
    for line in verse:
        assert text.count(line) == 2, line


def test_a_headline_that_links_to_its_own_page_is_the_first_line():
    """dragnet (a news-forum post): the text trafilatura keeps begins with the headline, a link
    to the post itself; it went as the page's title and as a link line, and with it most of a
    short post's words. The headline stays the text's first line (the title column holds it too)."""
    title = "Surveillance Algorithms See Into Your Life"
    body = (f"<p>Posted by <a href='/~tim'>tim</a> on Tuesday</p><p>{PROSE}</p>"
            "<p>The talk has more detail on how the agency reads the data it gathers.</p>")
    html = page(body, title).replace(f"<h1>{title}</h1>", f"<h1><a href='/story/1'>{title}</a></h1>")
    article = extract_article(html, "https://www.example.org/story/1")
    assert article["title"] == title
    assert article["text"].split("\n")[0] == title


def test_a_post_that_is_a_list_of_linked_headlines_keeps_them():
    """dragnet: a blog's reading list (a list of linked headlines, the first and last items
    with words of their own) lost its linked items as related links."""
    linked = ["Skepticism about the new payment model", "Technology and healthcare spending.",
              "Regional contractor jurisdictions.", "Code Monkey Unplugged."]
    items = (["Storm forces <a href='/a'>hospital</a> evacuation"] + [f"<a href='/{i}'>{h}</a>" for i, h in enumerate(linked)]
             + ["The dual causes of <a href='/d'>increased debt after an adverse health event</a>."])
    body = (f"<ul>{''.join(f'<li>{it}</li>' for it in items)}</ul>"
            "<p>Plus, a guest at <a href='/blog'>another blog</a> makes a hosting debut this week.</p>")
    text = text_of(page(body, "Reading for a stormy day"))
    for h in linked:
        assert f"- {h}" in text, text
    assert "- Storm forces hospital evacuation" in text


def test_a_records_field_lines_are_kept():
    """dragnet: a "featured gadget" post lost its "Name: ..." and "Author: ..." lines as photo
    credits: three "Label: value" lines in a row are a record's fields."""
    fields = ["Name: Task List and Timer", "Author: Adam Hotz",
              "Description: Allows you to track tasks and the time spent on them."]
    body = ("<p>Tuesday, April 28, 2009 12:08 PM</p>" + "".join(f"<p>{f}</p>" for f in fields)
            + f"<p>{PROSE}</p>")
    text = text_of(page(body, "Featured gadget: Task List and Timer"))
    for f in fields:
        assert f in text, text


def test_a_citation_split_at_its_links_is_kept():
    """dragnet: "(Source: <a>X</a>, via <a>Y</a>)", split by trafilatura at its links, lost its
    "(Source:" as the label of a related-links block once the link lines were kept."""
    body = (f"<p>{PROSE}</p><p>(Source:</p><p><a href='https://a.example/x'>Cord Jefferson</a>, via</p>"
            "<p><a href='https://b.example/y'>eagle pelican</a>; Image: the band, on stage,</p>"
            f"<p><a href='https://c.example/z'>via</a>.)</p><p>{PROSE[:-1]} again.</p>")
    text = text_of(page(body, "Please advise"))
    assert "(Source:" in text and "Cord Jefferson, via" in text, text



def test_a_sections_closing_link_before_the_next_heading_is_kept():
    """readability: a product tour whose sections each end in their "Learn more about X" link lost
    every one of them as link junk. A lone link between a section's prose and the next heading is
    the section's own; a block of links at the end of the text still goes (every drop the rules
    make is confirmed here, so the rule alone decides)."""
    from newsmon.extract.lines import Line
    from newsmon.extract.rules import clean_lines, render

    tools = ["Page Inspector", "Web Console", "Network Monitor"]
    lines = [Line("A tour of the tools", "head", 0.0)]
    for t in tools:
        lines += [Line(t, "head", 0.0), Line(f"The {t} is one of the tools. {PROSE}", "p", 0.0),
                  Line(f"Learn more about {t}", "item", 1.0)]
    related = ["Council publishes its budget", "Bridge works delayed again", "New mayor sworn in"]
    lines += [Line(r, "item", 1.0) for r in related]
    text = render(clean_lines(lines, "A tour of the tools", probability=lambda lines, rows: [True] * len(rows)))
    for t in tools[:-1]:
        assert f"Learn more about {t}" in text
    for r in related:
        assert r not in text


def test_an_article_trafilatura_reads_as_its_link_column_is_read_by_readability():
    """dragnet: gallery posts whose text sits in a slide's caption came out as the sidebar's
    'Link Love' headlines (F1 0): where trafilatura's text is mostly link text, readability's
    text of the page is taken when it is less linked (here it is the whole page's text)."""
    sentence = "Part 0: The council met on Tuesday evening to discuss the plans, which have divided the town for most of the year."
    html = ("<html><body class='post-page post-page-gallery'><section id='main' class='container'>"
            "<div id='main-content' class='clearfix'><section><article class='post gallery page'>"
            f"<div class='body' id='slide-body'><div class='caption' id='slide-content'><p>{sentence}</p></div>"
            "</div></article></section><div class='gallery-bottom'><div id='link-time' class='clearfix'>"
            "<div id='link-time-links'><ul>"
            "<li><a href='/x'>the river town council market bridge winter garden</a> story people</li>"
            "<li><a href='/x'>school water light road music stone paper</a> field letter</li>"
            "</ul></div></div></div></div></section></body></html>")
    assert sentence in text_of(html)


def test_struck_through_text_is_kept_as_the_page_shows_it():
    """cleanportal: an update notice striking out the old instructions lost them; readers see them."""
    old = ("The toggle button near the top of the home page does not work for readers who use "
           "Firefox and have the local home page selected as their preference.")
    body = (f"<p>{PROSE}</p><p><i><b>Update (Dec. 6):</b></i> This issue has been fixed. "
            f"<strike>{old}</strike></p><p>Please write to the editors with any further problems.</p>")
    text = text_of(page(body, "A new home page for local readers"))
    assert "This issue has been fixed." in text
    assert old in text


def test_a_blog_posts_first_paragraph_before_its_read_more_anchor_is_kept():
    """dragnet: a Blogger post lost its first paragraph to the empty <a name='more'> after it
    (trafilatura's link mode took the text after that anchor for a link)."""
    first = ["The standards body has certified a new device made by the company, with a wireless "
             "interface of the latest kind. ",
             "The body that certifies such devices has published the documents that prove the device "
             "exists, but they do not reveal any further details about the type of product. ",
             "The certainty of the certification has added to the speculation about the device. Although "
             "it could be a simple accessory, there have been suggestions that it is one of the new phones."]
    later = ["As the description shows, the only words under the heading of the model number are an engine "
             "controller subsystem, a name that recalls the code name of a phone spotted in a benchmark.",
             "For now the link with a phone rests on a likeness between that code name and the description "
             "of the model found in the documents. It could rekindle interest in the new phones, but it is weak.",
             "The company holds its yearly event on the fourth and fifth of September, and several sources "
             "have confirmed that it will present its new line of phones there"]
    body = ("<div class='post-body entry-content'><br/><div class='separator'>"
            "<a href='/img/device.jpg'><img src='/img/device.jpg' alt=''></a></div>"
            "<div><div><span><br/></span></div><span>" + "".join(f"<span>{s}</span>" for s in first)
            + f"</span></div><a name='more'></a><span>{later[0]}</span><br/><span><br/></span>"
            f"<span>{later[1]}</span><br/><span><br/></span><div><span>{later[2]}</span></div>"
            "<div><span>Source <a href='https://standards.example/list'>standards.example</a>, via "
            "<a href='https://phones.example/'>Phones</a></span></div><div style='clear: both;'></div></div>")
    text = text_of(page(body, "New device certified"))
    for sentence in first + later:
        assert sentence.strip() in text


def test_a_word_after_a_link_in_a_div_is_not_glued_to_it():
    """dragnet: in a <div> of text, links and <br>s (no <p>) trafilatura trims the text after each
    link, so "<a>Peugeot Ion</a> were" became "Peugeot Ionwere"; the page reads two words."""
    body = ("<div class='post-body'><a href='/photos/1'><img src='/a.jpg' alt='car'></a><br />\n<br />\n"
            "Despite <a href='/deals'>some popular deals</a> available for limited times and "
            "<a href='/trip'>long-distance adventures</a>, the <a href='/tag/c-zero'>Citroen C-Zero</a> and "
            "<a href='/tag/ion'>Peugeot Ion</a> were never big sellers. Now, <a href='/mitsubishi'>Mitsubishi</a> "
            "has decided that it is not worth it to keep selling its own version in Europe.<br />\n<br />\n"
            + PROSE + "</div>")
    text = text_of(page(body, "Small electric cars"))
    for piece in ("some popular deals available", "Citroen C-Zero and", "Peugeot Ion were never", "Mitsubishi has decided"):
        assert piece in text, text
