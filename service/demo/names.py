"""Vietnamese name parts for synthetic demo people and villages (common, not real persons)."""

# Family names with rough national frequencies (percent).
SURNAMES = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Phan", 4.5), ("Vũ", 3.9),
    ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5),
    ("Trịnh", 1), ("Mai", 0.6), ("Lương", 0.5), ("Đinh", 0.6), ("Cao", 0.4), ("Hà", 0.6), ("Lò", 0.2),
]
MIDDLE_MALE = ["Văn", "Đức", "Hữu", "Minh", "Quang", "Xuân", "Đình", "Công", "Thanh", "Ngọc", "Bá", "Trọng"]
MIDDLE_FEMALE = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Hồng", "Phương", "Mai"]
GIVEN_MALE = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khánh", "Kiên",
              "Long", "Lâm", "Mạnh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quý", "Sơn", "Tài", "Thắng",
              "Thành", "Tiến", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh"]
GIVEN_FEMALE = ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Huệ", "Hương", "Lan",
                "Liên", "Linh", "Loan", "Mai", "Nga", "Ngân", "Nhung", "Oanh", "Phương", "Quyên", "Tâm",
                "Thảo", "Thơm", "Thủy", "Trang", "Tuyết", "Vân", "Xuân", "Yến"]
VILLAGE_NAMES = [
    "Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Tân Lập", "Tân Phong", "Tân Thành", "Đoàn Kết",
    "Thống Nhất", "Quyết Thắng", "Hòa Bình", "Phú Thọ", "Phúc Lộc", "Xuân Thành", "Yên Lạc", "Minh Tân",
    "Cổ Đô", "Đồng Tâm", "Kim Sơn", "Lam Sơn", "Ngọc Lặc", "Bái Thượng", "Lương Thiện", "Mỹ Hòa",
    "An Phú", "Hưng Long", "Vĩnh Phúc", "Thành Công", "Liên Hiệp", "Đại Đồng", "Hợp Thành", "Phú Xuân",
    "Trung Chính", "Đông Hưng", "Tây Hồ", "Bình Minh", "Cát Tường",
]
