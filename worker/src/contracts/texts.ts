// The words of the stored texts (lib/errors.ts TEXTS) in Russian and English, kept once: the admin page
// spreads them into its dictionaries, the widget build publishes the widget's into its i18n files, and
// the import error report words its Russian column with them.
import { fillTemplate, ITEMS_SEPARATOR, TEXTS, type TextCode, type TextRef } from "../lib/errors";

export type TextLang = "ru" | "en";

/** The texts the widget shows as well (the install action, the connection warning). */
export const WIDGET_TEXT_CODES = ["install_reinstall_action", "lpt_projects_unavailable"] as const satisfies readonly TextCode[];

const RU: Record<TextCode, string> = {
  install_reinstall_action: "amoCRM отозвал доступ интеграции: администратору нужно переустановить её из маркетплейса amoCRM (Настройки → Интеграции).",
  lpt_projects_unavailable: "Не удалось получить проекты LPTracker: {reason}",
  event_widget_off: "Виджет отключён в amoCRM: событие ждёт, пока его включат.",
  event_uninstalled: "Интеграция отключена в amoCRM: событие ждёт повторной установки.",
  event_install_pending: "Ждём доступ от amoCRM (установка не завершена).",
  event_reinstall_wait: "Ждём, пока интеграцию переустановят в amoCRM.",
  event_queued_behind: "Ждёт, пока обработаются более ранние события.",
  event_amo_no_access: "Нет доступа к amoCRM ({reason}): событие ждёт переустановки интеграции.",
  amo_access_revoked: "amoCRM отозвал доступ интеграции: переустановите её из маркетплейса amoCRM.",
  import_row_no_data: "Строка {row}: нет данных",
  import_row_skipped_by_rule: "Строка {row}: пропущена правилом «{rule}»",
  import_row_duplicate_phone: "Строка {row}: повтор строки {of} (тот же телефон), пропущена",
  import_row_duplicate_email: "Строка {row}: повтор строки {of} (тот же e-mail), пропущена",
  import_row_duplicate_call: "Строка {row}: повтор строки {of} (тот же звонок), пропущена",
  import_row_refused_by_amo: "Строка {row}: amoCRM не принял строку ({detail})",
  import_call_already_imported: "Строка {row}: этот звонок уже загружен импортом №{importId}",
  import_call_not_logged: "Строка {row}: amoCRM не записал звонок на {phone} ({detail})",
  import_call_not_logged_no_contact: "Строка {row}: amoCRM не записал звонок на {phone} ({detail}); сначала импортируйте этот контакт",
  import_row_invalid: "Строка {row}: {items}",
  import_cell_phone_invalid: "телефон «{value}» в колонке «{column}» не похож на номер",
  import_cell_phone_scientific: "телефон «{value}» в колонке «{column}» записан в экспоненциальном виде: Excel сохранил в CSV только первые цифры. Задайте колонке текстовый формат и сохраните файл снова",
  import_cell_email_invalid: "e-mail «{value}» в колонке «{column}» не похож на адрес почты",
  import_cell_duration_invalid: "длительность «{value}» в колонке «{column}» не похожа на длительность (например, 125, 02:05 или «2 мин 5 сек»)",
  import_cell_date_invalid: "дата «{value}» в колонке «{column}» не похожа на дату (например, 15.03.2024 14:30)",
  import_cell_recording_invalid: "ссылка на запись «{value}» в колонке «{column}» не похожа на ссылку http(s)",
  import_cell_excel_error: "колонка «{column}»: в ячейке ошибка Excel {value}",
  import_cell_formula_no_result: "колонка «{column}»: формула {value} сохранена без результата (откройте файл в Excel и сохраните заново)",
  import_row_no_contact: "нет ни телефона, ни e-mail",
  import_row_no_phone: "нет телефона",
  import_file_gone: "Загруженный файл не найден в хранилище; загрузите его снова.",
  import_amo_access_lost: "Импорт остановлен: нет доступа к amoCRM ({reason}). Переустановите интеграцию и запустите импорт заново.",
  import_gave_up: "Импорт остановлен после {attempts} неудачных попыток; уже загруженные строки остались в amoCRM. Запустите импорт заново или обратитесь в поддержку.",
  import_not_queued: "Не удалось поставить импорт в очередь; запустите его снова.",
};

/** Every text in both languages; the English words are the catalogue's own English. */
export const TEXT_WORDS: Record<TextLang, Record<TextCode, string>> = { ru: RU, en: TEXTS };

/** `words` with every key prefixed, the way a flat dictionary keys them (`text.<code>`). */
export function prefixed<P extends string, W extends Record<string, string>>(prefix: P, words: W): { [K in keyof W & string as `${P}${K}`]: string } {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(words)) out[`${prefix}${key}`] = value;
  // The mapped type is exactly the keys written above; the compiler cannot follow the loop.
  return out as { [K in keyof W & string as `${P}${K}`]: string };
}

/**
 * A stored text in `lang` from its code and params, the listed parts worded one by one into
 * `{items}`; null when a code (or a part's) has no words here, as one from a newer server would not.
 */
export function wordText(lang: TextLang, ref: TextRef): string | null {
  const words: Record<string, string> = TEXT_WORDS[lang];
  if (!Object.prototype.hasOwnProperty.call(words, ref.code)) return null;
  const params: Record<string, string | number> = { ...ref.params };
  if (ref.items) {
    const parts: string[] = [];
    for (const item of ref.items) {
      // One level of parts: what a part lists itself is not worded.
      const part = Object.prototype.hasOwnProperty.call(words, item.code) ? fillTemplate(words[item.code]!, item.params) : null;
      if (part === null) return null;
      parts.push(part);
    }
    params.items = parts.join(ITEMS_SEPARATOR);
  }
  return fillTemplate(words[ref.code]!, params);
}
