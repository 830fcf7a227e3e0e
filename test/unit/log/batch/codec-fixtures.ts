/**
 * Compressed records sections made by implementations other than the ones under test, checked in
 * as bytes. Each decompresses to the records section `buildBatch` writes for SMALL_RECORDS or
 * REPEATED_RECORDS (compression-codecs.test.ts). How they were made:
 * - zstd: the zstd CLI 1.5.4 (Debian's zstd package). `zstd -19 -c small.bin` and `zstd -19 -c
 *   repeated.bin` write one single-segment frame with its content size and an XXH64 checksum;
 *   `cat repeated.bin | zstd -3 --no-check -c` streams from a pipe, so the frame has no content
 *   size, a 2 MiB window and no checksum, the shape Kafka's Java producer (zstd-jni streaming)
 *   writes. The repeated section is 153,536 bytes: more than one 128 KiB block.
 * - lz4: the lz4 CLI 1.9.4 (Debian's lz4 package, the reference liblz4 that librdkafka embeds).
 *   `lz4 -B4 -BX --content-size -c small.bin`: 64 KiB blocks, block checksums, content size and
 *   the default content checksum; `lz4 -B4 -c repeated.bin`: three 64 KiB blocks and a content
 *   checksum. LZ4_DEPENDENT_HEADER is the frame header `lz4 -B4 -BD` wrote (linked blocks).
 * - snappy: no snappy tool other than the library under test was at hand, so a dev-only encoder
 *   written from snappy's format description (brute-force matches, emitting literals of all three
 *   length forms and copies with 1-, 2- and 4-byte offsets) made SNAPPY_RAW, one raw block as
 *   librdkafka sends it, and the two blocks of SNAPPY_JAVA, framed by hand as snappy-java does
 *   (magic, version 1, compatible version 1, then int32 length + block), split at byte 512.
 */

/** SMALL_RECORDS: `zstd -19`, content size and checksum. */
export const ZSTD_SMALL_19 = Buffer.from(
  [
    'KLUv/WRSAkUIABLMJhkweQNCl0dm6egkFSIT390PwTXlUA7lEE4B1w3++q4o8tV6a7MgyMnqq109j3v7N7T/XaOeQijHca1ff7ppfM2ft8wwTuLH',
    'Gy+Le/cvdBXFNXsDxBZJ4vr6q7sQxE/rrcw6Dgerr2xlGM7t30XhGEUdFEH4pF93ehj8zJ+zLAgO4scWB4Fz9y8AOGaBEQDevoiaYXpYSRVLwt2n',
    'SagBCTd62j8DADFoNgYSSAZKARRXUcVUrNjaxAF4SeRS+eCgAd8mnqX5XUhrgrIqQctrbCjgdBVoZzfaVvGolenoknkvv1kgfCYvBLeFR/GQz7uQ',
    'LttgQ2P5TThMn4UN4WyQYtwerCFWAcsDdDw=',
  ].join(''),
  'base64',
);

/** REPEATED_RECORDS: `zstd -19`, two blocks, content size and checksum. */
export const ZSTD_REPEATED_19 = Buffer.from(
  [
    'KLUv/aTAVwIA5BMABBP6BwAAAARrMOgHYQACBGsx6AdiBARrMugHYwYEazPoB2QICgwOEBIUFhgaHB4gIiQmKCosLjAyNDY4Ojw+QEJERkhKTE5Q',
    'UlRWWFpcXmBiZGZoamxucHJ0dnh6fH78gAH8ggH8hAH8hgGIioyOkJKUlpianJ6goqSmqKqsrrCytLa4ury+wMLExsjKzM7Q0tTW2Nrc3uDi5Obo',
    '6uzu8PL09vj6/P6AAoL8hAKGAoiKjI6QkpSWmJqcnqCipKaoqqyusLK0tri6vL7AwsTGyMrMztDS1NbY2tze4OLk5ujq7O7w8vT2+Pr8/oADggOE',
    'A4YDiIqMjpCSlJaYmpyeoKKkpqiqrK6wsrS2uLq8vsDCxMbIyszO0NLU1tja3N7g4uTm6Ors7vDy9Pb4+vz+gARhgQqoIextzAHBq0eaAzIQCIL/',
    '/z9BcH/m5+fnx4+fnx8/P39+fn5+fn78+Pn5+fHz8+PHz8/Pz8+Pn58fPz8/P/z8/Pz8+Pnx8/Pz8/Pzw8/Pz4+fn1/v076/T/v5+fn5+fn54efn',
    'x8/Pz4+fHz8/Pz8/fn5+fvz8+fHz8/Pz8+PHz8/Pz8/Pjx8/fn5+fn78/Pz4+fn58fPz8/++7e8LZPziv9nn5+fnh5+fn5+fnz8/P37+/Pz8+Pn5',
    '+fHz8+Pn5+fn588fPz8/Pz8/P378/Pz8/Pz4+fnh5+fnx8/Pz8+Pn7/Q+wNQ5r4XAHe2+wBwM70HAHdvf9/+/f39/f399/f39/f39+3v39/ft79v',
    'f39/3/7+vv39/f39ffv27e/v7+/v27e/v7+/v29/f9/+/f39x/7/KwQRgCdQ5QA8gSoH4KUCATV8a6sCtQMA5AKCBIT8hgSIioyOkJKUlpianJ6g',
    'oqSmqKqsrrCytLa4ury+wMLExsjKzM7Q0tTWLujxs/8GIQT///8KgT/4/Pz8/Pz8+fn5+fn5+fHz8/Pz4+fPz5+fn5+fPz8/Pz8/P39+fn78/ObY',
    'd7j4xv9m36AA8Hs9ICMoY8A=',
  ].join(''),
  'base64',
);

/** REPEATED_RECORDS: `zstd -3 --no-check` from a pipe: no content size, no checksum. */
export const ZSTD_REPEATED_STREAMED = Buffer.from(
  [
    'KLUv/QBYZBQANBT6BwAAAARrMOgHYQD6BwAAAgRrMegHYgQEazLoB2MGBGsz6AdkCAoMDhASFBYYGhweICIkJigqLC4wMjQ2ODo8PkBCREZISkxO',
    'UFJUVlhaXF5gYmRmaGpsbnBydHZ4enx+/AcAAIAB/AcAAIIB/AcAAIQB/AcAAIYB/AcAAIiKjI6QkpSWmJqcnqCipKaoqqyusLK0tri6vL7AwsTG',
    'yMrMztDS1NbY2tze4OLk5ujq7O7w8vT2+Pr8/oACggKEAoYCiIqMjpCSlJaYmpyeoKKkpqiqrK6wsrS2uLq8vsDCxMbIyszO0NLU1tja3N7g4uTm',
    '6Ors7vDy9Pb4+vz+gAOCA4QDhgOIioyOkJKUlpianJ6goqSmqKqsrrCytLa4ury+wMLExsjKzM7Q0tTW2Nrc3uDi5Obo6uzu8PL09vj6/P6ABIEE',
    'qCHkS5LpwQe10hoSaBD4//8TBO4P5+fnz8/Pz88vPz8/Pz9+fn78+PPz8/Pz4+fnx8+Pn5+fnx8/P35+fvz8/Pj58ePn5+fHz8/Pzw8/Pz8/P35+',
    'tT/3zf25z8/PLz8/Pz/+/Pz8/Pz4+fnx8+fn5+fnx8+Pn58ff35+fn78+Pn5+fHz8/Pzw8/Pz8+Pn5+fHz9+/Pz8/Pj51b65P/fnPj8/f35+fvz8',
    '+fn5+fnx8+PHz5+fn5+fHz9+fn5+/Pz8/Pzw8/Pz8+Pn5+eXHz8/Pz8/fn5+/Pz4+fn5+fG3Af8A1PT++K+oe+O/ou6L/4q6R77v9/fZ37e/v29/',
    'f39//779/f39+/v7+/vs7+/v79u3v79/3/7+/v6+/f19+/v29/f39+3v29/ft79/f3/fvr3//0khAHiIXwbgSYlfAABfwSNENdUDAPQCYYIEhASG',
    'BIiKjI6QkpSWmJqcnqCipKaoqqyusLK0tri6vL7AwsTGyMrMztDS1NYsFAAs+MJ//Ixf+I+f8Qv/8TN+4T9+xi/8x8/4hf/4Gb/wHz/jF/7jZ/zC',
    'f/yMX/iPn/EL//EzfuE/fsYv/MfP+MU+3sf7CMwG',
  ].join(''),
  'base64',
);

/** SMALL_RECORDS: `lz4 -B4 -BX --content-size`. */
export const LZ4_SMALL_CHECKSUMS = Buffer.from(
  [
    'BCJNGHxAUgMAAAAAAAD5rwEAAPENLgAAAAprZXktMBB2YWx1ZSAwIAICaAIwPgACAhgAIjEgGAAGCAAAIABRMU4ABAQgACIyMCAAEzIoAAYIAAAo',
    'AFEyXgAGBigAIjNAKAATMygADggAADAAUTNuAAgIMAAiNFAwABM0MAAPCAAHADgAUTQuAAoKOAATNcgAETXIAFE1PgAMDBgAEzZIAAYIAAA4AFE2',
    'TgAODiAAEzfIABM3KAAGCAAAKABRN14AEBAoABM4yAATOCgADggAADAAUThuABISMAATOcgAEzkwAA8IAAcAOABgOTQAFBQMkAEyMTASAQERMZIB',
    'cgQxMEYAFhYbACMxJBsABZUBAZYBcgQxMVgAGBgkACMyNiQABJEBCAkAAS0AUjJqABoaLQAjM0gtAASWAQ8JAAIBNgBSM3wAHBw2ACM0WjYABJwB',
    'DwkACwE/AFI0NAAeHj8AFDXhAAGrAXIEMTVGACAgGwAUNuEABK4BETGvAXIEMTZYACIiJAAUN+EABKoBCAkAAWwAUjdqACQkLQAUOOEABK8BDwkA',
    'AgE2AFI4fAAmJjYAFDnhAAS1AQ8JAAtgAgJoBDE589kGDQAAAACUe8x2',
  ].join(''),
  'base64',
);

/** REPEATED_RECORDS: `lz4 -B4`, three blocks and a content checksum. */
export const LZ4_REPEATED = Buffer.from(
  [
    'BCJNGGRAp0YDAAC/+gcAAAAEazDoB2EBAP/hEAD/AX8CBGsx6AdiAQD/4QH/AX8EBGsy6AdjAQD/4QH/AX8GBGsz6AdkAQD/4QH/AR8I/Af/7B8K',
    '/Af/7B8M/Af/7B8O/Af/7B8Q/Af/7B8S/Af/7B8U/Af/7B8W/Af/7B8Y/Af/7B8a/Af/7B8c/Af/7B8e/Af/7B8g/Af/7B8i/Af/7B8k/Af/7B8m',
    '/Af/7B8o/Af/7B8q/Af/7B8s/Af/7B8u/Af/7B8w/Af/7B8y/Af/7B80/Af/7B82/Af/7B84/Af/7B86/Af/7B88/Af/7B8+/Af/7B9A/Af/7B9C',
    '/Af/7B9E/Af/7B9G/Af/7B9I/Af/7B9K/Af/7B9M/Af/7B9O/Af/7B9Q/Af/7B9S/Af/7B9U/Af/7B9W/Af/7B9Y/Af/7B9a/Af/7B9c/Af/7B9e',
    '/Af/7B9g/Af/7B9i/Af/7B9k/Af/7B9m/Af/7B9o/Af/7B9q/Af/7B9s/Af/7B9u/Af/7B9w/Af/7B9y/Af/7B90/Af/7B92/Af/7B94/Af/7B96',
    '/Af/7B98/Af/7B9+/Af/6G/8BwAAgAH9B//oAAACL4IB/gf/6AAAAi+EAf8H/+gAAAIvhgEACP/sH4gACP/tH4oACP/tH4wACP/tH44ACP/tH5AA',
    'CP/tH5IACP/tH5QACP/tH5YACP/tH5gACP/tH5oACP/tH5wACP/tH54ACP/tH6AACP/tH6IACP/tH6QACP/tH6YACP/tH6gACP/tH6oACP/tH6wA',
    'CP/tH64ACP/tH7AACP/tH7IACP/tH7QACP/tH7YACP/tH7gACP/tH7oACP/tH7wACP/tH74ACP/tH8AACP/tH8IACP/tH8QACP/tH8YACP/tH8gA',
    'CP/tH8oACP/tH8wACP/tH84ACP/tH9AACP/tH9IACP/tH9QACP/tH9YACP/tH9gACP/tH9oACP/tH9wACP/tH94ACP/tH+AACP/tH+IACP/tH+QA',
    'CP/tH+YACP/tH+gACP/tH+oACP/tH+wACP/tH+4ACP/tH/AACP/tH/IACP/tH/QACP/tH/YACP/tH/gACP/tH/oACP/tH/wACP/tH/4ACP/tL4AC',
    'AIAiUGFhYWFhPQMAAB9hAQD/rN8A/AcAAIICBGsx6AdiAQD/4QEAAo+EAgRrMugHYwEA/+EBAAKPhgIEazPoB2QBAP/hAQACf4gCBGsw6AfKB/+s',
    'DwIAIwEAAh+KAAj/7R+MAAj/7R+OAAj/7R+QAAj/7R+SAAj/7R+UAAj/7R+WAAj/7R+YAAj/7R+aAAj/7R+cAAj/7R+eAAj/7R+gAAj/7R+iAAj/',
    '7R+kAAj/7R+mAAj/7R+oAAj/7R+qAAj/7R+sAAj/7R+uAAj/7R+wAAj/7R+yAAj/7R+0AAj/7R+2AAj/7R+4AAj/7R+6AAj/7R+8AAj/7R++AAj/',
    '7R/AAAj/7R/CAAj/7R/EAAj/7R/GAAj/7R/IAAj/7R/KAAj/7R/MAAj/7R/OAAj/7R/QAAj/7R/SAAj/7R/UAAj/7R/WAAj/7R/YAAj/7R/aAAj/',
    '7R/cAAj/7R/eAAj/7R/gAAj/7R/iAAj/7R/kAAj/7R/mAAj/7R/oAAj/7R/qAAj/7R/sAAj/7R/uAAj/7R/wAAj/7R/yAAj/7R/0AAj/7R/2AAj/',
    '7R/4AAj/7R/6AAj/7R/8AAj/7R/+AAj/7S+AAwB4/+wvggMAgP/tHwMAgP/tHwMAgP/tDwAI/+0figAI/+0fjAAI/+0fjgAI/+0fkAAI/+0fkgAI',
    '/+0flAAI/+0flgAI/+0fmAAI/+0fmgAI/+0fnAAI/+0fngAI/+0foAAI/+0fogAI/+0fpAAI/+0fpgAI/+0fqAAI/+0fqgAI/+0frAAI/+0frgAI',
    '/+0fsAAI/+0fsgAI/+0ftAAI/+0ftgAI/+0fuAAI/+0fugAI/+0fvAAI/+0fvgAI/+0fwAAI/+0fwgAI/+0fxAAI/+0fxgAI/+0fyAAI/+0fygAI',
    '/+0fzAAI/+0fzgAI/+0f0AAI/+0f0gAI/+0f1AAI/+0f1gAI/+0f2AAI/+0f2gAI/+0f3AAI/+0f3gAI/+0f4AAI/+0f4gAI/+0f5AAI/+0f5gAI',
    '/+0f6AAI/+0f6gAI/+0f7AAI/+0f7gAI/+0f8AAI/+0f8gAI/+0f9AAI/+0f9gAI/+0f+AAI/+0f+gAI/+0f/AAI/+0f/gAI/+0vgAQAgCJQYWFh',
    'YWE+AQAAH2EBAP+s3wD8BwAAggQEazHoB2IBAP/hAQACj4QEBGsy6AdjAQD/4QEAAo+GBARrM+gHZAEA/+EBAAJ/iAQEazDoB8oH/6wPAgAjAQAC',
    'H4oACP/tH4wACP/tH44ACP/tH5AACP/tH5IACP/tH5QACP/tH5YACP/tH5gACP/tH5oACP/tH5wACP/tH54ACP/tH6AACP/tH6IACP/tH6QACP/t',
    'H6YACP/tH6gACP/tH6oACP/tH6wACP/tH64ACP/tH7AACP/tH7IACP/tH7QACP/tH7YACP/tH7gACP/tH7oACP/tH7wACP/tH74ACP/tH8AACP/t',
    'H8IACP/tH8QACP/tH8YACP/tH8gACP/tH8oACP/tH8wACP/tH84ACP/tH9AACP/tH9IACP/tH9QACP/tH9YACP/kUGRkZGQAAAAAAM6YwRE=',
  ].join(''),
  'base64',
);

/** SMALL_RECORDS as one raw snappy block. */
export const SNAPPY_RAW = Buffer.from(
  [
    '0gZsLgAAAAprZXktMBB2YWx1ZSAwIAICaAIwPgACAgUYBDEgFhgAJwgAAAABIBAxTgAEBBI4AAQyMBc4AAAAADINKCYIAA9IAAAAEDJeAAYGBWAE',
    'M0AWYAAAMxtQAAAARggADngAEDNuAAgIE5AAAAAENFAJkAA0GoAAZwgAAAABsBA0LgAKChLIAAA1G8gAAAAANQXIEDU+AAwMEuAAADYbyAAAABkI',
    'DugAEDZOAA4OEwABAAAANw3IADca8AAnCAAAACEQEDdeABAQEigBADgbyAAAAAA4LRhGCAAPQAEAABA4bgASEiVYADkayAAAORtIAQAAZggADngB',
    'FDk0ABQUDBN4AQAABDASLXkSkgEYBDEwRgAWFhcbAAAABDEkLZQinQETlgEAABgEMTFYABgYCT8EMjYauAEfmQEAAC4JABJRABAyagAaGhdsAAAA',
    'BDNILeUengFTCQAAAAWHEDN8ABwcFqIABDRaGxsCAAAxpHYJABPGAAAAEDQ0AB4eCeEANR7hABOrAQAAGAQxNUYAICAJ/AA2HuEAH7YBAAAAMSWv',
    'GAQxNlgAIiIWIAEANx/hAAAAMbIuCQATMgEAABA3agAkJClNADge4QAftwEAAFIJABJoARA4fAAmJheDAQAAADkR4R69AXcJAAAAJacAOQ==',
  ].join(''),
  'base64',
);

/** SMALL_RECORDS in snappy-java framing, two chunks. */
export const SNAPPY_JAVA = Buffer.from(
  [
    'glNOQVBQWQAAAAABAAAAAQAAAUyABGwuAAAACmtleS0wEHZhbHVlIDAgAgJoAjA+AAICEhgABDEgFxgAAAAZCA4gABAxTgAEBBM4AAAABDIwCTgA',
    'MhooACcIAAAAAUgQMl4ABgYSYAAEM0AXYAAAAAAzDVBGCAAPeAAAABAzbgAICAWQBDRQFpAAADQbgAAAAGYIAA6wABA0LgAKChPIAAAAADUNyAA1',
    'EsgAEDU+AAwME+AAAAAANg3IJggAD+gAAAAQNk4ADg4lAAA3GsgAADcb8AAAABkIDhABEDdeABAQEygBAAAAOA3IADgaGAFHCAAAACFAEDhuABIS',
    'ElgBADkbyAAAAAA5LUhmCAAPeAEAABQ5NAAUFAwleAQwEhp5AROSAQAAGAQxMEYAFhYJGwQxJBqUASOdAQAAJZYYBDExWAAYGBY/AAQyNhu4AQAA',
    'MZkuCQATUQAAABAyagAaGgAAALvSAkAMa2V5LTEzSHZhbHVlIDEzIGoJACQCAmgEMTN8ABwcFjYABDRaGzYAAAAANBE2cgkAEz8AAAAQNDQAHh4J',
    'dQQ1Ehp1AAA1F1oAAAAQNUYAICAJkAQ2JBqQAAA2H5AAAAAANgl+EDZYACIiFrQABDc2G7QAAAAANxG0KgkAE6sAAAAQN2oAJCQJ4QA4HuEAADgf',
    '4QAAAE4JABLhABA4fAAmJhcXAQAAADkR4QA5HhcBcwkAAAAlIAA5',
  ].join(''),
  'base64',
);

/** The frame header (magic, FLG 0x44: linked blocks, BD 64 KiB, header checksum) of `lz4 -B4 -BD`. */
export const LZ4_DEPENDENT_HEADER = Buffer.from('04224d1844405e', 'hex');
