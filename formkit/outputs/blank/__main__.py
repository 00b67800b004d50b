"""``python -m formkit.outputs.blank``: regenerate the bundled blank attachments."""

from __future__ import annotations

from formkit.outputs.blank import BLANK_NAME, FORMATS, write_blanks


def main() -> int:
    """Return 0 after regenerating ``templates/xlsx`` and ``templates/docx`` from the default campaign."""
    from formkit.campaign import load_campaign
    from formkit.resources import templates_dir

    campaign = load_campaign()
    for fmt in FORMATS:
        folder = templates_dir() / fmt
        written = write_blanks(campaign, folder, formats=(fmt,))
        # Remove blanks whose title changed; other templates in the folder are not ours.
        keep = {p.name for p in written}
        for old in folder.glob(f"附件*.{fmt}"):
            if BLANK_NAME.match(old.name) and old.name not in keep:
                old.unlink()
        for p in written:
            print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
