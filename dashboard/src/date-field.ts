/**
 * A filter's from / to field (dash14): text typed and shown day first on Vietnam's clock, as every date the page
 * shows, with its format said under it. It was the browser's datetime-local field, whose format is the browser's
 * language's: mm/dd/yyyy in an English browser, so 05/12 could be read 12 May by one night's staff and 5 December by
 * the next. What is not a day is refused beside the field, nothing asked of the API.
 */
import { dateFieldText, readDateField } from './clock.js';
import { currentLang, t } from './i18n.js';
import { h } from './kit.js';

export interface DateField {
  /** The label with its field, its format and, when refused, why. */
  label: HTMLLabelElement;
  /** The instant (ISO) typed; undefined when empty; null when it is not a day (then said under the field). */
  read(): string | null | undefined;
}

/** The field `name` of a filter form (`to`: an exclusive bound, a day alone taken whole), the address's value shown. */
export function dateField(name: 'from' | 'to', params: URLSearchParams): DateField {
  const end = name === 'to';
  const hintId = `${name}-date-hint`;
  const input = h('input', {
    name,
    type: 'text',
    autocomplete: 'off',
    placeholder: 'dd/mm/yyyy hh:mm',
    size: 17,
    'aria-describedby': hintId,
    value: dateFieldText(params.get(name), currentLang(), end),
  });
  const refusal = h('small', { class: 'error', role: 'alert', 'data-testid': `date-${name}-error` });
  const label = h(
    'label',
    { class: 'date' },
    t(name),
    input,
    h('small', { id: hintId, 'data-testid': `date-${name}-hint` }, t(end ? 'dateHintTo' : 'dateHint')),
    refusal,
  );
  return {
    label,
    read() {
      const value = readDateField(input.value, end);
      if (value === null) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      refusal.textContent = value === null ? t('dateRefused') : '';
      return value;
    },
  };
}

/** A filter's from and to fields (the runs', the audit log's): their labels, and their instants put in a query. */
export function dateRange(params: URLSearchParams): {
  labels: HTMLLabelElement[];
  /** Sets from / to in `query` as typed; false (each refusal said) when one is not a day. */
  addTo(query: URLSearchParams): boolean;
} {
  const fields = [dateField('from', params), dateField('to', params)] as const;
  return {
    labels: fields.map((f) => f.label),
    addTo(query) {
      const [from, to] = fields.map((f) => f.read());
      if (from === null || to === null) return false;
      if (from) query.set('from', from);
      if (to) query.set('to', to);
      return true;
    },
  };
}
