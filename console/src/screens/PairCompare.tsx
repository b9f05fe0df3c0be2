import { Link } from 'wouter-preact';
import type { Address, Bank, Contact, Relation } from '../api';
import { addressRows, bankRows, countMarks, fieldRows, MARK_WORDS, propRows, relationRows, type Mark, type Row } from '../pairs';

// Two contacts side by side. Every row carries its mark in words and a sign (= ≠ ◧ ◨) besides its
// colour, so nothing depends on seeing colour; a screen reader reads the mark as a cell.

export interface Side {
  contact: Contact;
  addresses: Address[];
  banks: Bank[];
  relations: Relation[];
}

const LABEL_HEADS: Record<string, string> = { fields: 'Field', props: 'Key', addresses: 'Where', banks: 'Account · IFSC', relations: 'Relation' };
const SIGNS: Record<Mark, string> = { same: '=', differs: '≠', 'only-a': '◧', 'only-b': '◨' };

export function PairCompare({ a, b }: { a: Side; b: Side }) {
  const sections: [string, string, Row[], string][] = [
    ['fields', 'Fields', fieldRows(a.contact, b.contact), 'No fields.'],
    ['props', 'Props', propRows(a.contact, b.contact), 'Neither has props.'],
    ['addresses', 'Addresses', addressRows(a.addresses, b.addresses), 'Neither has an address.'],
    ['banks', 'Bank accounts', bankRows(a.banks, b.banks), 'Neither has a bank account.'],
    ['relations', 'Relations', relationRows(a.relations, b.relations), 'Neither has relations.'],
  ];
  const total = countMarks(sections.flatMap(([, , rows]) => rows));
  return (
    <section class="compare" aria-labelledby="compare-heading">
      <h2 id="compare-heading">Side by side</h2>
      <ul class="compare-summary" aria-label="Summary">
        <li class="mark mark-same"><span aria-hidden="true">{SIGNS.same}</span> {total.same} the same</li>
        <li class="mark mark-differs"><span aria-hidden="true">{SIGNS.differs}</span> {total.differs} different</li>
        <li class="mark mark-only-a"><span aria-hidden="true">{SIGNS['only-a']}</span> {total['only-a']} only in A</li>
        <li class="mark mark-only-b"><span aria-hidden="true">{SIGNS['only-b']}</span> {total['only-b']} only in B</li>
      </ul>
      {sections.map(([key, title, all, none]) => {
        // A field neither contact has says nothing about them: named once under the table.
        const rows = all.filter((r) => r.a !== null || r.b !== null);
        const neither = all.filter((r) => r.a === null && r.b === null).map((r) => r.label);
        return (
          <div class="card compare-card" key={key}>
            <table class="compare-table" aria-labelledby={`cmp-${key}`}>
              <caption id={`cmp-${key}`}>{title}</caption>
              <thead>
                <tr>
                  <th scope="col" class="cmp-label">
                    {LABEL_HEADS[key]}
                  </th>
                  <th scope="col">
                    <span class="side-tag">A</span> <Link href={`/contacts/${a.contact.id}`}>{a.contact.name}</Link>
                  </th>
                  <th scope="col">
                    <span class="side-tag">B</span> <Link href={`/contacts/${b.contact.id}`}>{b.contact.name}</Link>
                  </th>
                  <th scope="col" class="cmp-mark">
                    Compared
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.length === 0 ? (
                  <tr>
                    <td colSpan={4} class="muted">
                      {none}
                    </td>
                  </tr>
                ) : (
                  rows.map((r, i) => (
                    <tr key={i} class={r.mark ? `mark-${r.mark}` : undefined}>
                      <th scope="row" class={key === 'props' ? 'cmp-label mono' : 'cmp-label'}>
                        {r.label}
                      </th>
                      <td data-label="A" class="cmp-a">
                        {r.a ?? (
                          <span class="muted">
                            —<span class="sr-only"> none</span>
                          </span>
                        )}
                      </td>
                      <td data-label="B" class="cmp-b">
                        {r.b ?? (
                          <span class="muted">
                            —<span class="sr-only"> none</span>
                          </span>
                        )}
                      </td>
                      <td class="cmp-mark">{r.mark ? <MarkBadge mark={r.mark} /> : <span class="muted">each its own</span>}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
            {neither.length > 0 && <p class="neither muted">Neither has: {neither.join(', ')}.</p>}
          </div>
        );
      })}
    </section>
  );
}

function MarkBadge({ mark }: { mark: Mark }) {
  return (
    <span class={`mark mark-${mark}`}>
      <span aria-hidden="true">{SIGNS[mark]}</span> {MARK_WORDS[mark]}
    </span>
  );
}
